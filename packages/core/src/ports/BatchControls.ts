import type { BatchStatus } from "../batch/batchStatus.js";
import type { BatchPriority } from "../flow/batchFlow.js";

export type CancelOutcome = { kind: "not-found" } | { kind: "already-final"; status: BatchStatus } | { kind: "cancelled"; cancelledUploads: number };

export type RetryOutcome = { kind: "not-found" } | { kind: "not-retryable"; status: BatchStatus } | { kind: "retried"; uploads: number };

/** A change to how a batch's uploads are released; what is left out stays as it is. */
export interface FlowChange {
  /** A window of its own, or null for the stage's default. */
  maxInFlight?: number | null;
  priority?: BatchPriority;
}

/**
 * Outcome of pause, resume and a flow change. `changed` is false when the batch already was as
 * asked (pausing a paused batch): nothing was written.
 */
export type FlowOutcome =
  | { kind: "not-found" }
  | { kind: "already-final"; status: BatchStatus }
  | { kind: "applied"; changed: boolean; paused: boolean; priority: BatchPriority; maxInFlight: number | null };

/** Limits a control to one user's batches: another user's batch answers `not-found` (I6). */
export interface ControlScope {
  ownerId?: string;
}

/** What an operator may do to a batch; each is one guarded statement that keeps the counters exact. */
export interface BatchControls {
  /** Ends a pending or processing batch `cancelled`; its unfinished uploads end `cancelled` and are counted. */
  cancel(batchId: string, scope?: ControlScope): Promise<CancelOutcome>;
  /** Stops releasing a pending or processing batch's uploads; what is in flight finishes and is counted. */
  pause(batchId: string, scope?: ControlScope): Promise<FlowOutcome>;
  /** Releases a paused batch's uploads again, where it stopped; the time paused leaves its rate alone. */
  resume(batchId: string, scope?: ControlScope): Promise<FlowOutcome>;
  /** Sets a pending or processing batch's window or priority, taking effect at its next release. */
  changeFlow(batchId: string, change: FlowChange, scope?: ControlScope): Promise<FlowOutcome>;
  /** Puts failed uploads back to pending, taking them off the counters, and the batch back to processing. */
  retryFailed(batchId: string): Promise<RetryOutcome>;
}
