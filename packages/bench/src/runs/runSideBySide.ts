import type { BenchStack } from "../environment/startBenchStack.js";
import { CostMeter } from "../measure/CostMeter.js";
import type { RunCosts, SeedRun } from "../report/BenchmarkReport.js";
import type { BenchContext } from "../scenarios/BenchContext.js";
import type { BenchmarkSettings } from "../settings.js";
import { pipelineRun, seedRun } from "./measuredRuns.js";
import { metered, perUpload } from "./metered.js";
import { SeedSide } from "./SeedSide.js";

export interface SideBySide {
  pipeline: RunCosts;
  seed: RunCosts<SeedRun>;
}

/**
 * The pipeline, then the seed's worker, each on a batch of its `uploads` (identical when the sizes
 * are) after a warm-up of its own, each in a measured window (CPU, statements, SQS requests). The stack's pollers are
 * stopped while the seed runs, so that their idle polling does not land on its figures, and run again after.
 */
export async function runSideBySide(
  context: BenchContext,
  bench: BenchStack,
  settings: BenchmarkSettings,
  uploads: { pipeline: number; seed: number },
  latencyMillis: number,
): Promise<SideBySide> {
  const meter = new CostMeter(context.database, bench.sqsRequests, bench.containers, bench.stack.queueEngine.pid);
  const seed = new SeedSide(bench, context.database.url, latencyMillis);
  try {
    await pipelineRun(context, bench, settings.warmUpUploads);
    const pipelineWindow = metered(context, meter);
    const pipeline = await pipelineRun(context, bench, uploads.pipeline, pipelineWindow);

    await bench.stopRunners();
    await seedRun(context, bench, seed, settings.seedWarmUpUploads);
    const seedWindow = metered(context, meter);
    const seedResult = await seedRun(context, bench, seed, uploads.seed, seedWindow);
    bench.startRunners();

    return { pipeline: perUpload(pipeline, pipelineWindow.costs()), seed: perUpload(seedResult, seedWindow.costs()) };
  } finally {
    await seed.close();
  }
}
