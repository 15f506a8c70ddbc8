import type { BatchControls, RetryOutcome } from "../ports/BatchControls.js";
import type { Logger } from "../ports/Logger.js";
import type { BatchQueue } from "../ports/queues.js";

export interface RetryFailedDeps {
  controls: BatchControls;
  batchQueue: BatchQueue;
  logger: Logger;
}

/**
 * Retries a batch's failed uploads: they go back to pending (counters decremented in the same
 * statement), then a batch message lets the fan-out re-send every unfinished upload; the finalizer
 * finalizes the batch again when they are done.
 */
export async function retryFailedUploads(deps: RetryFailedDeps, batchId: string): Promise<RetryOutcome> {
  const outcome = await deps.controls.retryFailed(batchId);
  if (outcome.kind === "retried" && outcome.uploads > 0) {
    deps.logger.warn("failed uploads sent back for another try", { batchId, uploads: outcome.uploads });
    await deps.batchQueue.send({ batchId });
  }
  return outcome;
}
