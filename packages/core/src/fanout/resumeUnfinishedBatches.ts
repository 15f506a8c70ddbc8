import type { BatchRepository } from "../ports/BatchRepository.js";
import type { Logger } from "../ports/Logger.js";
import type { BatchQueue } from "../ports/queues.js";

export interface ResumeDeps {
  batches: Pick<BatchRepository, "unfinishedBatchIds" | "holdWindow">;
  batchQueue: BatchQueue;
  logger: Logger;
}

/**
 * Sends a batch message for every pending or processing batch, after holding its window (the
 * messages of its released uploads were lost with the queues): the fan-out starts a pending batch
 * and re-releases a processing one's window. Exactly-once counting makes repeating work safe.
 * Used when the queues' state was lost.
 */
export async function resumeUnfinishedBatches(deps: ResumeDeps, pageSize = 500): Promise<number> {
  let after: string | null = null;
  let resumed = 0;
  for (;;) {
    const ids = await deps.batches.unfinishedBatchIds(after, pageSize);
    for (const batchId of ids) {
      await deps.batches.holdWindow(batchId);
      await deps.batchQueue.send({ batchId });
      deps.logger.info("unfinished batch re-enqueued", { batchId });
    }
    resumed += ids.length;
    if (ids.length < pageSize) return resumed;
    after = ids[ids.length - 1] ?? null;
  }
}
