import type { BatchRepository } from "../ports/BatchRepository.js";
import type { Logger } from "../ports/Logger.js";
import type { BatchQueue } from "../ports/queues.js";

export interface ResumeDeps {
  batches: Pick<BatchRepository, "unfinishedBatchIds">;
  batchQueue: BatchQueue;
  logger: Logger;
}

/**
 * Sends a batch message for every pending or processing batch. The fan-out starts a pending batch
 * and re-sends the unfinished uploads of a processing one (and its progress, which finalizes a batch
 * whose last progress message was lost); exactly-once counting makes repeating work safe. Used
 * when queues that lived in memory were lost, and by the reconciler.
 */
export async function resumeUnfinishedBatches(deps: ResumeDeps, pageSize = 500): Promise<number> {
  let after: string | null = null;
  let resumed = 0;
  for (;;) {
    const ids = await deps.batches.unfinishedBatchIds(after, pageSize);
    for (const batchId of ids) {
      await deps.batchQueue.send({ batchId });
      deps.logger.info("unfinished batch re-enqueued", { batchId });
    }
    resumed += ids.length;
    if (ids.length < pageSize) return resumed;
    after = ids[ids.length - 1] ?? null;
  }
}
