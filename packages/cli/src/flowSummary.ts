import { isTerminalBatchStatus, isTerminalUploadStatus, UPLOAD_STATUSES, type BatchPriority, type BatchView, type UploadStatus } from "@pipeline/core";
import { wiring } from "@pipeline/wiring";
import { duration } from "./format.js";

/** A batch's window when it has none of its own: the value the deployed functions are built with. */
export const STAGE_DEFAULT_WINDOW = wiring.flowControl.defaultMaxInFlight;

/** Started and not finished: what a pause lets finish. A pending upload does not start while its batch is paused, released or not. */
const IN_FLIGHT_STATUSES = UPLOAD_STATUSES.filter((status) => status !== "pending" && !isTerminalUploadStatus(status));

/** How `batch show` describes a batch's flow, in text and in `--json`. */
export interface FlowSummary {
  priority: BatchPriority;
  /** The window in effect, and whether it is the batch's own or the stage's default. */
  window: number;
  windowSource: "batch" | "stage default";
  paused: boolean;
  /**
   * Uploads being processed (started, not terminal). Released ones still queued are left out: the
   * design's "in flight" counts them too, but that needs the release cursor, which no reader returns.
   */
  inFlight: number;
  /** Null when there is no estimate: too few uploads processed yet, paused, or final. */
  secondsLeft: number | null;
}

export function inFlight(byStatus: Partial<Record<UploadStatus, number>>): number {
  return IN_FLIGHT_STATUSES.reduce((sum, status) => sum + (byStatus[status] ?? 0), 0);
}

export function flowSummary(batch: BatchView, byStatus: Partial<Record<UploadStatus, number>>): FlowSummary {
  return {
    priority: batch.priority,
    window: batch.maxInFlight ?? STAGE_DEFAULT_WINDOW,
    windowSource: batch.maxInFlight === null ? "stage default" : "batch",
    paused: batch.paused,
    inFlight: inFlight(byStatus),
    secondsLeft: batch.secondsLeft,
  };
}

/** "40 (stage default)" or "12 (the batch's own)". */
export function windowText(maxInFlight: number | null): string {
  return maxInFlight === null ? `${STAGE_DEFAULT_WINDOW} (stage default)` : `${maxInFlight} (the batch's own)`;
}

/** The lines `batch show` adds for the flow; a final batch has no time left to show. */
export function flowLines(batch: BatchView, summary: FlowSummary): string[] {
  const timeLeft = summary.secondsLeft !== null
    ? `about ${duration(summary.secondsLeft * 1000)}`
    : summary.paused ? "unknown while paused" : "unknown yet (too few uploads processed)";
  return [
    `  priority      ${summary.priority}`,
    `  window        ${windowText(batch.maxInFlight)}`,
    `  in flight     ${summary.inFlight}${summary.paused ? " (paused: they finish, no new upload starts)" : ""}`,
    ...(isTerminalBatchStatus(batch.status) ? [] : [`  time left     ${timeLeft}`]),
  ];
}
