import type { UploadRef } from "./UploadRepository.js";

export interface Counters {
  total: number;
  processed: number;
  successful: number;
  failed: number;
  cancelled: number;
}

export interface CounterRepair {
  batchId: string;
  before: Counters;
  after: Counters;
}

export interface StalledBatch {
  batchId: string;
  userId: string;
  total: number;
  processed: number;
  lastChangeAt: Date;
}

/** What the reconciler reads and repairs. Every method is bounded by `limit`. */
export interface BatchMaintenance {
  /** Pending batches older than `before` (their batch message was lost); marks them as just resent. */
  claimStalePending(before: Date, limit: number): Promise<string[]>;
  /** Processing batches whose uploads are all counted but that were never finalized. */
  completeButUnfinalized(limit: number): Promise<string[]>;
  /**
   * Final batches whose final state no finalizer run recorded as pushed: the run that finalized
   * the batch died or failed before its pushes went out, or the state came from an operator's
   * cancel or a counter repair and its progress message was lost.
   */
  finalButUnpushed(limit: number): Promise<string[]>;
  /** Batches whose counters differ from their uploads; each is re-counted and fixed under its row lock. */
  repairCounters(limit: number): Promise<CounterRepair[]>;
  /**
   * Released, unheld, non-terminal uploads of processing, unpaused batches untouched since
   * `before` (their message was lost); marks them as just resent. Uploads not yet released are
   * not lost: their window releases them.
   */
  claimLostUploads(before: Date, limit: number): Promise<UploadRef[]>;
  /**
   * Processing, unpaused batches with uploads waiting for release (held, or beyond the window) and
   * no change since `before`: a release missed (a refill that failed to send and to hold, a race
   * with a resume). Marks them as just topped up.
   */
  claimIdleWindows(before: Date, limit: number): Promise<string[]>;
  /** Processing batches without progress since `before`; a paused batch is waiting, not stalled. */
  stalled(before: Date, limit: number): Promise<StalledBatch[]>;
}
