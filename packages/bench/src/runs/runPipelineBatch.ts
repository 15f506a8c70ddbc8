import type { BenchStack } from "../environment/startBenchStack.js";
import type { RunTiming } from "./batchRun.js";

/** Generous: a stuck run fails with a clear message instead of hanging the benchmark. */
const MINIMUM_TIMEOUT_MILLIS = 120_000;

/** Sends a seeded batch's message, as the upload service does, and waits for the client to hear it completed. */
export async function runPipelineBatch(bench: BenchStack, batchId: string, uploads: number): Promise<RunTiming> {
  const completed = bench.client.waitFor(
    (message) => message.type === "batch.completed" && message.batchId === batchId,
    MINIMUM_TIMEOUT_MILLIS + uploads * 20,
    `batch.completed for pipeline batch ${batchId}`,
  );
  const startedAt = Date.now();
  await bench.submit(batchId);
  const { receivedAt } = await completed;
  return { startedAt, completedAt: receivedAt };
}
