import type { BatchSnapshot } from "../batch/BatchSnapshot.js";
import type { BatchStatus } from "../batch/batchStatus.js";

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
   * The batch was already final and an earlier call took this final state for a push: the call
   * changed nothing, not even the version. A late progress message; only a redelivered one pushes.
   */
  pushedBefore: boolean;
  /** True only for the one call that moved the batch to its final state (completed, or failed past its tolerance). */
  finalizedNow: boolean;
  /** With `finalizedNow`: when the batch last changed before (its last upload's commit), and when it started. */
  finalization?: { lastChangeAt: Date; startedAt: Date | null };
}

export interface BatchRepository {
  /** Claims a pending batch for fan-out (conditional update) and corrects its total. */
  startFanOut(batchId: string): Promise<FanOutStart>;
  statusOf(batchId: string): Promise<BatchStatus | undefined>;
  /** Ids of the batch's non-terminal uploads after `after`, in key order. */
  unfinishedUploadIds(batchId: string, after: string | null, limit: number): Promise<string[]>;
  /**
   * Bumps the progress version of each unfinished batch and finalizes those whose uploads are all
   * terminal, in one statement; a final batch keeps its version. Every batch returned is marked as
   * pushed at its version. Unknown ids are left out of the result.
   */
  advanceProgress(batchIds: readonly string[]): Promise<ProgressAdvance[]>;
  /** Ids of pending and processing batches after `after`, in key order. */
  unfinishedBatchIds(after: string | null, limit: number): Promise<string[]>;
}
