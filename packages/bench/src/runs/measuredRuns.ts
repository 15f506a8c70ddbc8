import { seedBatch } from "../environment/batches.js";
import type { BenchStack } from "../environment/startBenchStack.js";
import type { SeedRun } from "../report/BenchmarkReport.js";
import type { BenchContext } from "../scenarios/BenchContext.js";
import { describeRun, type BatchRun } from "./batchRun.js";
import { runPipelineBatch } from "./runPipelineBatch.js";
import type { SeedSide } from "./SeedSide.js";

/** Measurement hooks around a run, after its rows are seeded and before its results are read. */
export interface Window {
  start(): Promise<void>;
  stop(): Promise<void>;
}

const NO_WINDOW: Window = { start: async () => {}, stop: async () => {} };

/**
 * The finalizer pushes `batch.completed` before its invocation ends: its COMMIT (which releases
 * the batch locks) and the runner's delete of the progress messages follow. They belong to the run.
 */
const TRAILING_WORK_MILLIS = 300;

/** Seeds a batch of `uploads` and runs it through the pipeline. */
export async function pipelineRun(context: BenchContext, bench: BenchStack, uploads: number, window = NO_WINDOW): Promise<BatchRun> {
  const { admin } = context.database;
  const batchId = await seedBatch(admin, uploads);
  await window.start();
  const timing = await runPipelineBatch(bench, batchId, uploads);
  await new Promise((resolve) => setTimeout(resolve, TRAILING_WORK_MILLIS));
  await window.stop();
  return describeRun(admin, bench.client, batchId, uploads, timing);
}

/** Seeds an identical batch of `uploads` and runs it through the seed's sequential worker. */
export async function seedRun(context: BenchContext, bench: BenchStack, seed: SeedSide, uploads: number, window = NO_WINDOW): Promise<SeedRun> {
  const { admin } = context.database;
  const batchId = await seedBatch(admin, uploads);
  await window.start();
  const timing = await seed.run(batchId, uploads);
  await window.stop();
  const run = await describeRun(admin, bench.client, batchId, uploads, timing);
  return { ...run, monitorReads: timing.monitorReads, pushSeconds: timing.publisher.millis / 1000 };
}
