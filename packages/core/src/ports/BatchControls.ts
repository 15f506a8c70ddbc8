import type { BatchStatus } from "../batch/batchStatus.js";

export type CancelOutcome = { kind: "not-found" } | { kind: "already-final"; status: BatchStatus } | { kind: "cancelled"; cancelledUploads: number };

export type RetryOutcome = { kind: "not-found" } | { kind: "not-retryable"; status: BatchStatus } | { kind: "retried"; uploads: number };

/** What an operator may do to a batch; each is one guarded statement that keeps the counters exact. */
export interface BatchControls {
  /** Ends a pending or processing batch `cancelled`; its unfinished uploads end `cancelled` and are counted. */
  cancel(batchId: string): Promise<CancelOutcome>;
  /** Puts failed uploads back to pending, taking them off the counters, and the batch back to processing. */
  retryFailed(batchId: string): Promise<RetryOutcome>;
}
