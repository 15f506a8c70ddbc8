import type { BatchMessage } from "../messages/schemas.js";
import type { BatchRepository } from "../ports/BatchRepository.js";
import type { Logger } from "../ports/Logger.js";
import type { BatchQueue, ProgressQueue, UploadQueue } from "../ports/queues.js";
import type { BatchStatus } from "../batch/batchStatus.js";
import type { Verdict } from "../verdict/messageFate.js";

export interface FanOutDeps {
  batches: BatchRepository;
  uploadQueue: UploadQueue;
  batchQueue: BatchQueue;
  progressQueue: ProgressQueue;
  logger: Logger;
}

export interface FanOutOptions {
  pageSize: number;
  /** Time left in the invocation. */
  remainingMillis: () => number;
  /** Below this much time left, hand the rest to a follow-up message. */
  reserveMillis: number;
}

export type FanOutResult =
  | { kind: "not-found" }
  | { kind: "skipped"; status: BatchStatus }
  | { kind: "sent"; sent: number; continuedFrom: string | null };

/**
 * Sends one uploads-queue message per unfinished upload of a batch, a page at a time, so memory
 * does not grow with the batch. A redelivered message sends only what is not terminal yet; a
 * batch too large for one invocation continues in a follow-up message carrying the cursor.
 */
export async function fanOutBatch(deps: FanOutDeps, message: BatchMessage, options: FanOutOptions): Promise<FanOutResult> {
  const { batchId } = message;
  const { logger } = deps;

  if (message.cursor === undefined) {
    const start = await deps.batches.startFanOut(batchId);
    if (start.kind === "not-found") return start;
    if (start.kind === "finished") {
      logger.info("batch already finished; fan-out skipped", { batchId, status: start.status });
      return { kind: "skipped", status: start.status };
    }
    if (start.kind === "started" && start.declaredTotal !== start.actualTotal) {
      logger.warn("declared total_uploads was wrong; corrected", { batchId, declaredTotal: start.declaredTotal, actualTotal: start.actualTotal });
    }
    if (start.kind === "resumed") logger.info("batch already processing; re-sending its unfinished uploads", { batchId });
    // Tells clients the batch started, and lets the finalizer complete an empty (or already done) batch.
    await deps.progressQueue.send({ batchId, changes: [] });
  } else {
    const status = await deps.batches.statusOf(batchId);
    if (status === undefined) return { kind: "not-found" };
    if (status !== "processing") {
      logger.info("batch no longer processing; fan-out continuation skipped", { batchId, status });
      return { kind: "skipped", status };
    }
  }

  let cursor = message.cursor ?? null;
  let sent = 0;
  for (;;) {
    const ids = await deps.batches.unfinishedUploadIds(batchId, cursor, options.pageSize);
    if (ids.length === 0) break;
    await deps.uploadQueue.sendAll(ids.map((uploadId) => ({ batchId, uploadId })));
    sent += ids.length;
    cursor = ids[ids.length - 1] ?? cursor;
    if (ids.length < options.pageSize) break;
    if (options.remainingMillis() < options.reserveMillis && cursor !== null) {
      await deps.batchQueue.send({ batchId, cursor });
      logger.info("fan-out continues in a follow-up message", { batchId, sent, cursor });
      return { kind: "sent", sent, continuedFrom: cursor };
    }
  }
  logger.info("fan-out finished", { batchId, sent });
  return { kind: "sent", sent, continuedFrom: null };
}

/** A batch message names a batch that exists, or it can never succeed. */
export function fanOutVerdict(message: BatchMessage, result: FanOutResult): Verdict {
  return result.kind === "not-found" ? { kind: "dead-letter", reason: `unknown batch ${message.batchId}` } : { kind: "done" };
}
