import type { UploadChange } from "../upload/types.js";
import type { BatchSnapshot } from "../batch/BatchSnapshot.js";
import type { BatchStatus } from "../batch/batchStatus.js";
import type { FlowPolicy, Release } from "../flow/batchFlow.js";

export type FanOutStart =
  | { kind: "not-found" }
  | { kind: "finished"; status: BatchStatus }
  /** Claimed from pending now; the total was set to the real number of uploads. */
  | { kind: "started"; declaredTotal: number; actualTotal: number }
  /** Already processing: a redelivered or repeated batch message. */
  | { kind: "resumed" };

export interface ProgressAdvance {
  snapshot: BatchSnapshot;
  /**
   * The batch was already final and a run recorded its final state as pushed
   * (`recordFinalPushes`): a late progress message, which pushes nothing.
   */
  pushedBefore: boolean;
  /** True only for the one call that moved the batch to its final state (completed, or failed past its tolerance). */
  finalizedNow: boolean;
  /** With `finalizedNow`: when the batch last changed before (its last upload's commit), and when it started. */
  finalization?: { lastChangeAt: Date; startedAt: Date | null };
}

/** Which uploads of a batch to read for a push. */
export interface UploadStateRequest {
  batchId: string;
  /** Uploads said to have changed; an id that is not one of this batch's uploads is left out. */
  uploadIds: readonly string[];
  /** Also the batch's first uploads in key order, at most this many (for a final push); 0 for none. */
  firstOfBatch: number;
}

export interface BatchRepository {
  /** Claims a pending batch for fan-out (conditional update) and corrects its total. */
  startFanOut(batchId: string): Promise<FanOutStart>;
  statusOf(batchId: string): Promise<BatchStatus | undefined>;
  /**
   * Tops up a processing, unpaused batch's window, in one statement under the batch's row lock:
   * its held uploads first, then the next ones in key order, as many as the window has room for.
   * Returns the ids released, which the caller must send (none for a paused or final batch).
   */
  releaseWindow(batchId: string, policy: FlowPolicy): Promise<Release>;
  /**
   * Holds every released, unfinished upload of the batch: their messages are known to be gone (the
   * queues were lost), so the next release sends them again, first.
   */
  holdWindow(batchId: string): Promise<void>;
  /**
   * Bumps the progress version of each unfinished batch and finalizes those whose uploads are all
   * terminal, in one statement; a final batch keeps its version. Unknown ids are left out of the
   * result.
   */
  advanceProgress(batchIds: readonly string[]): Promise<ProgressAdvance[]>;
  /**
   * The uploads' states as their rows hold them, in one statement: per batch, the requested ones
   * (a terminal one with its error, an unfinished one with the last stage its stored results show),
   * then the batch's first ones not among them. Batches with nothing found are left out.
   */
  uploadStates(requests: readonly UploadStateRequest[]): Promise<Map<string, UploadChange[]>>;
  /** Records that these final states were pushed; later advances report them `pushedBefore`. */
  recordFinalPushes(pushed: ReadonlyArray<{ batchId: string; version: number }>): Promise<void>;
  /** Ids of pending and processing batches after `after`, in key order. */
  unfinishedBatchIds(after: string | null, limit: number): Promise<string[]>;
}
