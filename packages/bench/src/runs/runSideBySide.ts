import type { BenchStack } from "../environment/startBenchStack.js";
import { CostMeter, type Costs } from "../measure/CostMeter.js";
import type { RunCosts, SeedRun } from "../report/BenchmarkReport.js";
import type { BenchContext } from "../scenarios/BenchContext.js";
import type { BenchmarkSettings } from "../settings.js";
import type { BatchRun } from "./batchRun.js";
import { pipelineRun, seedRun, type Window } from "./measuredRuns.js";
import { SeedSide } from "./SeedSide.js";

export interface SideBySide {
  pipeline: RunCosts;
  seed: RunCosts<SeedRun>;
}

/**
 * The pipeline, then the seed's worker, each on an identical batch of `uploads` after a warm-up of
 * its own, each in a measured window (CPU, statements, SQS requests). The stack's pollers are
 * stopped while the seed runs, so that their idle polling does not land on its figures, and run again after.
 */
export async function runSideBySide(context: BenchContext, bench: BenchStack, settings: BenchmarkSettings, uploads: number, latencyMillis: number): Promise<SideBySide> {
  const meter = new CostMeter(context.database, bench.sqsRequests);
  const seed = new SeedSide(bench, context.database.url, latencyMillis);
  try {
    await pipelineRun(context, bench, settings.warmUpUploads);
    const pipelineWindow = metered(context, meter);
    const pipeline = await pipelineRun(context, bench, uploads, pipelineWindow);

    await bench.stopRunners();
    await seedRun(context, bench, seed, settings.seedWarmUpUploads);
    const seedWindow = metered(context, meter);
    const seedResult = await seedRun(context, bench, seed, uploads, seedWindow);
    bench.startRunners();

    return { pipeline: perUpload(pipeline, pipelineWindow.costs()), seed: perUpload(seedResult, seedWindow.costs()) };
  } finally {
    await seed.close();
  }
}

/** A window that starts on settled tables, its batch's rows included in the planner's statistics. */
function metered(context: BenchContext, meter: CostMeter): Window & { costs(): Costs } {
  let costs: Costs | undefined;
  return {
    start: async () => {
      await context.database.settle();
      await meter.start();
    },
    stop: async () => {
      costs = await meter.stop();
    },
    costs: () => {
      if (!costs) throw new Error("the measured window never closed");
      return costs;
    },
  };
}

function perUpload<R extends BatchRun>(run: R, costs: Costs): RunCosts<R> {
  const n = run.uploads;
  return {
    run,
    nodeCpuMsPerUpload: costs.nodeCpuMillis / n,
    postgresCpuMsPerUpload: costs.postgresCpuMillis === null ? null : costs.postgresCpuMillis / n,
    statementsPerUpload: costs.statements === null ? null : costs.statements.total / n,
    topStatements: costs.statements?.top ?? [],
    sqsRequestsPerUpload: costs.sqsRequestTotal / n,
    sqsRequests: costs.sqsRequests,
    otherProcessesCpuPercent: costs.otherProcessesCpuPercent,
  };
}
