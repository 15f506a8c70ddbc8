import { lastUploadChangeAt, seedBatch } from "../environment/batches.js";
import type { BenchStack } from "../environment/startBenchStack.js";
import { percentile } from "../measure/percentile.js";
import type { CompletionLatency } from "../report/BenchmarkReport.js";
import { runPipelineBatch } from "../runs/runPipelineBatch.js";
import type { BenchmarkSettings } from "../settings.js";
import type { BenchContext } from "./BenchContext.js";

/**
 * From a batch's last upload commit to its owner's client receiving `batch.completed`, over small
 * batches run one after the other. The commit time is the upload row's `updated_at`, the start of
 * the statement that moved it (Postgres and this process read the same clock), so each sample is a
 * few milliseconds longer than the true latency, never shorter.
 */
export async function measureCompletionLatency(context: BenchContext, bench: BenchStack, settings: BenchmarkSettings): Promise<CompletionLatency> {
  const { batches, uploadsPerBatch } = settings.completionLatency;
  const samplesMillis: number[] = [];
  await context.database.settle();
  for (let i = 0; i < batches; i++) {
    const batchId = await seedBatch(context.database.admin, uploadsPerBatch);
    const { completedAt } = await runPipelineBatch(bench, batchId, uploadsPerBatch);
    const lastChangeAt = await lastUploadChangeAt(context.database.admin, batchId);
    samplesMillis.push(completedAt - lastChangeAt);
  }
  return {
    batches,
    uploadsPerBatch,
    samplesMillis,
    p50Millis: percentile(samplesMillis, 50),
    p95Millis: percentile(samplesMillis, 95),
    maxMillis: Math.max(...samplesMillis),
    finalizerWindowSeconds: bench.wiring.functions.finalizer.batchingWindowSeconds,
  };
}
