/** How urgent a batch is: an interactive batch's uploads are released ahead of bulk ones. */
export const BATCH_PRIORITIES = ["interactive", "bulk"] as const;
export type BatchPriority = (typeof BATCH_PRIORITIES)[number];

/** The largest window a batch may be given (the column's CHECK says the same). */
export const MAX_IN_FLIGHT_LIMIT = 10_000;

/** How a batch's uploads are released, as every view of the batch shows it. */
export interface BatchFlow {
  priority: BatchPriority;
  /** The batch's own window; null: the stage's default (`wiring.flowControl.defaultMaxInFlight`). */
  maxInFlight: number | null;
  /** No upload of the batch starts while it is paused; those in flight finish and are counted. */
  paused: boolean;
  /** Estimated seconds until every upload is processed, from the batch's observed rate; null when unknown, paused or final. */
  secondsLeft: number | null;
}

/** The stage's flow-control settings (the wiring's `flowControl`), as the release statements take them. */
export interface FlowPolicy {
  /** A batch's window when it has none of its own. */
  defaultMaxInFlight: number;
  /** While an interactive batch runs, a bulk batch's window is this share of its own (at least 1). */
  bulkShareWhileInteractive: number;
  /**
   * A released upload not started (still pending) this many seconds after its release lost its
   * message: it no longer counts as in flight and the next release sends it again.
   */
  releaseLeaseSeconds: number;
}

/** Where a batch's priority comes from when its submitter names none. */
export interface PriorityPolicy {
  /** A batch of more uploads than this is bulk unless its submitter says otherwise. */
  bulkAboveUploads: number;
}

/**
 * The priority of a batch whose submitter named none: a batch a person watches is interactive; a
 * large one (an import, a backfill) is bulk, so it yields to interactive batches while they run.
 */
export function defaultPriority(uploads: number, policy: PriorityPolicy): BatchPriority {
  return uploads > policy.bulkAboveUploads ? "bulk" : "interactive";
}

/** What the rate is taken from: the batch's counters and how long it has been running, pauses left out. */
export interface RateSample {
  total: number;
  processed: number;
  /** Milliseconds the batch has been processing, not counting time paused. */
  activeMillis: number | null;
  paused: boolean;
  final: boolean;
}

/** Fewer uploads than this give no estimate: the first ones carry the fan-out's and a cold start's latency. */
const MIN_PROCESSED_FOR_ESTIMATE = 3;

/**
 * Time left at the batch's observed rate so far (uploads processed per active second). Null until
 * a few uploads are processed, while paused, and once final.
 */
export function estimateSecondsLeft(sample: RateSample): number | null {
  if (sample.final || sample.paused || sample.activeMillis === null) return null;
  if (sample.processed < MIN_PROCESSED_FOR_ESTIMATE || sample.activeMillis <= 0) return null;
  const remaining = Math.max(0, sample.total - sample.processed);
  return Math.ceil((remaining * sample.activeMillis) / sample.processed / 1000);
}

/** A per-batch window from a request or a command: a whole number from 1 to MAX_IN_FLIGHT_LIMIT. */
export function isValidMaxInFlight(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= MAX_IN_FLIGHT_LIMIT;
}

/** Uploads a release statement took into a batch's window, with the batch's owner (the queue's fairness key). */
export interface Release {
  ownerId: string;
  uploadIds: string[];
}
