import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { join } from "node:path";
import { buildFunctions, REPOSITORY_ROOT, type BuiltFunctions } from "@pipeline/local";
import { wiring as deployedWiring } from "@pipeline/wiring";
import { startBenchDatabase } from "./environment/startBenchDatabase.js";
import { startBenchStack } from "./environment/startBenchStack.js";
import { describeMachine } from "./machine.js";
import type { BenchmarkReport, StackContainers } from "./report/BenchmarkReport.js";
import { summarizeContainers } from "./report/summarizeContainers.js";
import { evaluateTargets } from "./report/targets.js";
import type { BenchContext } from "./scenarios/BenchContext.js";
import { compareWithSeed } from "./scenarios/compareWithSeed.js";
import { measureCompletionLatency } from "./scenarios/measureCompletionLatency.js";
import { measureCounterContention } from "./scenarios/measureCounterContention.js";
import { measureFanOut } from "./scenarios/measureFanOut.js";
import { measureOverhead } from "./scenarios/measureOverhead.js";
import { measureRealImages, REAL_IMAGES_STACK } from "./scenarios/measureRealImages.js";
import { benchWiring, type BenchmarkSettings } from "./settings.js";

export interface RunBenchmarkOptions {
  settings: BenchmarkSettings;
  /** Measure this Postgres instead of an embedded one of the benchmark's own. */
  databaseUrl?: string | undefined;
  /** Progress lines while it runs. */
  log?: (line: string) => void;
  /** The deployed functions' bundles when built already (the test suite builds them once); built and cached otherwise. */
  built?: BuiltFunctions;
}

/** Different warnings are kept up to this many; the rest are only counted. */
const MAX_WARNINGS = 50;
/** Kept between runs: rebuilt only when a file the bundles are made of changed. */
const BUILT_FUNCTIONS_DIR = join(REPOSITORY_ROOT, "node_modules", ".cache", "pipeline-bench-functions");

/**
 * Runs every part of the benchmark, one after the other so that none competes with another for the
 * machine, each stack's functions in containers of their own: the comparison with the seed on its
 * own stack (simulated latency), then overhead, completion latency and fan-out on a stack with a
 * 0 ms processor, then real images on the deployed configuration, then counter contention on the
 * database alone.
 *
 * @example
 * ```ts
 * const report = await runBenchmark({ settings: quickSettings() });
 * console.log(report.seedComparison.ratio);
 * ```
 */
export async function runBenchmark(options: RunBenchmarkOptions): Promise<BenchmarkReport> {
  const { settings } = options;
  const log = options.log ?? (() => {});
  const started = Date.now();
  const loadAverageAtStart = loadavg()[0] ?? 0;
  const warnings: string[] = [];
  let dropped = 0;
  const warn = (message: string) => {
    if (warnings.includes(message)) return;
    if (warnings.length < MAX_WARNINGS) warnings.push(message);
    else dropped++;
  };

  if (!options.built) log("functions  building the deployed bundles (cached between runs)");
  const built = options.built ?? (await buildFunctions(deployedWiring, BUILT_FUNCTIONS_DIR));
  log(options.databaseUrl ? "postgres   DATABASE_URL" : "postgres   starting an embedded server");
  const database = await startBenchDatabase(options.databaseUrl);
  const stacks: StackContainers[] = [];
  const context: BenchContext = { database, authSecret: randomBytes(48).toString("base64url"), built, warn, recordContainers: (stack) => stacks.push(stack) };
  try {
    log(`comparison ${settings.comparisonUploads} uploads through the pipeline and the seed port, ${settings.latencyMillis} ms latency`);
    const seedComparison = await compareWithSeed(context, settings);

    const { overhead, completionLatency, fanOut } = await measureOnZeroLatencyStack(context, settings, log);

    const { realImages } = settings;
    log(`images     ${realImages.uploads} generated images (after ${realImages.warmUpUploads}), subscribe every ${realImages.subscribeIntervalMillis} ms`);
    const realImagesRun = await measureRealImages(context, settings);

    log(`counters   ${settings.counterContention.writers} writers`);
    const counterContention = await measureCounterContention(context, settings);

    if (dropped > 0) warnings.push(`... and ${dropped} more different warnings`);
    const report: Omit<BenchmarkReport, "targets"> = {
      mode: settings.mode,
      startedAt: new Date(started).toISOString(),
      durationSeconds: (Date.now() - started) / 1000,
      machine: describeMachine(database.description, loadAverageAtStart),
      settings,
      seedComparison,
      overhead,
      fanOut,
      counterContention,
      completionLatency,
      realImages: realImagesRun,
      containers: summarizeContainers(stacks, REAL_IMAGES_STACK),
      warnings,
    };
    return { ...report, targets: evaluateTargets(report) };
  } finally {
    await database.stop();
  }
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
