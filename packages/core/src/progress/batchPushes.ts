import { isTerminalBatchStatus } from "../batch/batchStatus.js";
import type { ProgressAdvance } from "../ports/BatchRepository.js";
import type { UploadChange } from "../upload/types.js";
import { progressPush, uploadProgressPush, type ServerMessage } from "./serverMessages.js";

/**
 * What a finalizer run pushes to each connection of a batch it advanced: the counters
 * (`batch.progress`, or `batch.completed` once final) and, while the batch is unfinished, its
 * uploads' stages. A final state is pushed by every run until one has recorded it as pushed: the
 * run that finalized the batch normally; a later one when that run stopped before its pushes went
 * out, or for a final state no run made (an operator's cancel, a counter repair). After that, late
 * progress messages push nothing; a client that missed the final push gets the final state from
 * its `subscribe` snapshot.
 */
export function batchPushes(advance: ProgressAdvance, changes: readonly UploadChange[]): ServerMessage[] {
  const { snapshot } = advance;
  const final = isTerminalBatchStatus(snapshot.status);
  if (final && advance.pushedBefore) return [];
  const pushes: ServerMessage[] = [progressPush(snapshot, changes.filter((change) => change.stage === undefined), final)];
  // A final batch's uploads are all terminal: stage reports about them are out of date.
  const stages = final ? undefined : uploadProgressPush(snapshot, changes.filter((change) => change.stage !== undefined));
  if (stages) pushes.push(stages);
  return pushes;
}
