import type { BatchMessage } from "../messages/schemas.js";
import type { BatchRepository } from "../ports/BatchRepository.js";
import type { Logger } from "../ports/Logger.js";
import type { ProgressQueue, UploadQueue } from "../ports/queues.js";
import type { BatchStatus } from "../batch/batchStatus.js";
import type { FlowPolicy } from "../flow/batchFlow.js";
import { sendReleased } from "../flow/sendReleased.js";
import type { UploadRepository } from "../ports/UploadRepository.js";
import type { Verdict } from "../verdict/messageFate.js";

export interface FanOutDeps {
  batches: BatchRepository;
  uploads: Pick<UploadRepository, "hold">;
  uploadQueue: UploadQueue;
  progressQueue: ProgressQueue;
  logger: Logger;
}

export type FanOutResult =
  | { kind: "not-found" }
  | { kind: "skipped"; status: BatchStatus }
  /** The window was topped up with this many uploads (0: it was full, or the batch is paused). */
  | { kind: "released"; released: number };

/**
 * Starts a batch and releases its first window of uploads; on any later message for the batch (a
 * resume, a larger window, a retry, the reconciler, a redelivery) tops the window up. The rest of
 * the batch is released by the workers as uploads finish, so no batch floods the uploads queue,
 * and the fan-out's work and memory are one window whatever the batch's size.
 */
export async function fanOutBatch(deps: FanOutDeps, message: BatchMessage, policy: FlowPolicy): Promise<FanOutResult> {
  const { batchId } = message;
  const { logger } = deps;

  const start = await deps.batches.startFanOut(batchId);
  if (start.kind === "not-found") return start;
  if (start.kind === "finished") {
    logger.info("batch already finished; fan-out skipped", { batchId, status: start.status });
    return { kind: "skipped", status: start.status };
  }
  if (start.kind === "started" && start.declaredTotal !== start.actualTotal) {
    logger.warn("declared total_uploads was wrong; corrected", { batchId, declaredTotal: start.declaredTotal, actualTotal: start.actualTotal });
  }
  if (start.kind === "started") {
    // Tells clients the batch started, and lets the finalizer complete an empty (or already done) batch.
    await deps.progressQueue.send({ batchId, changes: [] });
  }

  const released = await deps.batches.releaseWindow(batchId, policy);
  // Sent after the release commits; if sending fails they are held and the message is retried.
  await sendReleased(deps, batchId, released);
  logger.info(start.kind === "started" ? "batch started; first window released" : "batch window topped up", { batchId, released: released.uploadIds.length });
  return { kind: "released", released: released.uploadIds.length };
}

/** A batch message names a batch that exists, or it can never succeed. */
export function fanOutVerdict(message: BatchMessage, result: FanOutResult): Verdict {
  return result.kind === "not-found" ? { kind: "dead-letter", reason: `unknown batch ${message.batchId}` } : { kind: "done" };
}
