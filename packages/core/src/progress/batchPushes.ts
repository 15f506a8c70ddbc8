import { isTerminalBatchStatus } from "../batch/batchStatus.js";
import type { ProgressAdvance } from "../ports/BatchRepository.js";
import type { UploadChange } from "../upload/types.js";
import { progressPush, uploadProgressPush, type ServerMessage } from "./serverMessages.js";

/** A progress message as the queue delivered it. */
export interface ProgressDelivery<M> {
  message: M;
  /** SQS ApproximateReceiveCount: 1 on the first delivery. */
  receiveCount: number;
  /** How often the message was requeued after a run that had it failed: 0 for a new message. */
  requeues: number;
}

/**
 * A run already had this message: it was received before, or requeued by a run that failed. That
 * run may have finalized a batch and stopped before its push went out.
 */
export function isRedelivery(delivery: Pick<ProgressDelivery<unknown>, "receiveCount" | "requeues">): boolean {
  return delivery.receiveCount > 1 || delivery.requeues > 0;
}

/**
 * What a finalizer run pushes to each connection of a batch it advanced: the counters
 * (`batch.progress`, or `batch.completed` once final) and, while the batch is unfinished, its
 * uploads' stages. A final state is pushed by the one run that took it (the run that finalized
 * the batch, or the first after an operator's cancel or a counter repair); a later run pushes it
 * again, at the same version, only when it handles a redelivery, where a lost push is likely.
 * Late progress messages of a final batch push nothing: a client that missed the final push gets
 * the final state from its `subscribe` snapshot.
 */
export function batchPushes(advance: ProgressAdvance, changes: readonly UploadChange[], redelivered: boolean): ServerMessage[] {
  const { snapshot } = advance;
  const final = isTerminalBatchStatus(snapshot.status);
  if (final && advance.pushedBefore && !redelivered) return [];
  const pushes: ServerMessage[] = [progressPush(snapshot, changes.filter((change) => change.stage === undefined), final)];
  // A final batch's uploads are all terminal: stage reports about them are out of date.
  const stages = final ? undefined : uploadProgressPush(snapshot, changes.filter((change) => change.stage !== undefined));
  if (stages) pushes.push(stages);
  return pushes;
}
