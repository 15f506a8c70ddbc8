import { withBenchSession, type RunBenchmarkOptions } from "./benchSession.js";
import { startBenchStack } from "./environment/startBenchStack.js";
import type { BenchmarkReport } from "./report/BenchmarkReport.js";
import { summarizeContainers } from "./report/summarizeContainers.js";
import { evaluateTargets } from "./report/targets.js";
import type { BenchContext } from "./scenarios/BenchContext.js";
import { compareWithSeed } from "./scenarios/compareWithSeed.js";
import { measureCompletionLatency } from "./scenarios/measureCompletionLatency.js";
import { measureCounterContention } from "./scenarios/measureCounterContention.js";
import { measureFanOut } from "./scenarios/measureFanOut.js";
import { measureFlowControl } from "./scenarios/measureFlowControl.js";
import { measureOverhead } from "./scenarios/measureOverhead.js";
import { measureRealImages, REAL_IMAGES_STACK } from "./scenarios/measureRealImages.js";
import { benchWiring, type BenchmarkSettings } from "./settings.js";

export type { RunBenchmarkOptions } from "./benchSession.js";

/**
 * Runs every part of the benchmark, one after the other so that none competes with another for the
 * machine, each stack's functions in containers of their own: the comparison with the seed on its
 * own stack (simulated latency), then overhead, completion latency and fan-out on a stack with a
 * 0 ms processor, then real images on the deployed configuration, then flow control on another
 * stack of that configuration, then counter contention on the database alone.
 *
 * @example
 * ```ts
 * const report = await runBenchmark({ settings: quickSettings() });
 * console.log(report.seedComparison.ratio);
 * ```
 */
export async function runBenchmark(options: RunBenchmarkOptions): Promise<BenchmarkReport> {
  const { settings } = options;
  return withBenchSession(options, async ({ context, log, stacks, header, warnings }) => {
    log(`comparison ${settings.comparisonUploads} uploads through the pipeline and the seed port, ${settings.latencyMillis} ms latency`);
    const seedComparison = await compareWithSeed(context, settings);

    const { overhead, completionLatency, fanOut } = await measureOnZeroLatencyStack(context, settings, log);

    const { realImages } = settings;
    log(`images     ${realImages.uploads} generated images (after ${realImages.warmUpUploads}), subscribe every ${realImages.subscribeIntervalMillis} ms`);
    const realImagesRun = await measureRealImages(context, settings);

    log(flowControlLine(settings));
    const flowControl = await measureFlowControl(context, settings);

    log(`counters   ${settings.counterContention.writers} writers`);
    const counterContention = await measureCounterContention(context, settings);

    const report: Omit<BenchmarkReport, "targets"> = {
      mode: settings.mode,
      ...header(),
      settings,
      seedComparison,
      overhead,
      fanOut,
      counterContention,
      completionLatency,
      realImages: realImagesRun,
      flowControl,
      containers: summarizeContainers(stacks, REAL_IMAGES_STACK),
      warnings: warnings(),
    };
    return { ...report, targets: evaluateTargets(report) };
  });
}

/** The progress line of the flow-control scenario. */
export function flowControlLine(settings: BenchmarkSettings): string {
  const flow = settings.flowControl;
  return `flow       ${flow.smallUploads} images alone and behind ${flow.bigSizes.join(" and ")}; ${flow.interactiveUploads} behind ${flow.bulk.batches} bulk batches of ${flow.bulk.uploads}`;
}

/** Overhead, completion latency and fan-out share one stack with a 0 ms processor and the deployed wiring. */
async function measureOnZeroLatencyStack(context: BenchContext, settings: BenchmarkSettings, log: (line: string) => void) {
  const bench = await startBenchStack(context, { name: "0 ms processor", wiring: benchWiring(settings), latencyMillis: 0 });
  try {
    log(`overhead   ${settings.overheadUploads} uploads (seed port ${settings.overheadSeedUploads}), 0 ms processor`);
    const overhead = await measureOverhead(context, bench, settings);
    log(`latency    ${settings.completionLatency.batches} batches of ${settings.completionLatency.uploadsPerBatch}`);
    const completionLatency = await measureCompletionLatency(context, bench, settings);
    log(`fan-out    ${settings.fanOutSizes.join(" and ")} uploads`);
    const fanOut = await measureFanOut(context, bench, settings);
    return { overhead, completionLatency, fanOut };
  } finally {
    await bench.stop();
  }
}
