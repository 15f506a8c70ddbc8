export type CountMetric =
  | "UploadsCompleted"
  | "UploadsFailed"
  | "DeadLetters"
  /** Messages sent again as new ones because a dependency was down. */
  | "MessagesRequeued"
  /** Requeued messages whose failure counts as an attempt again. */
  | "RequeuesExhausted"
  /** Dead-letter sends, requeues and visibility changes that failed: the message is delivered again. */
  | "SettleFailed"
  | "BatchesFinalized"
  | "PushesSent"
  | "ConnectionsGone"
  | "PushesFailed"
  | "CountersRepaired"
  | "UploadsRequeued"
  | "StalledBatches";

export type DurationMetric = "FinalizationLatency";

/** Operator metrics (CloudWatch EMF on AWS). */
export interface Metrics {
  count(name: CountMetric, value?: number): void;
  milliseconds(name: DurationMetric, value: number): void;
}
