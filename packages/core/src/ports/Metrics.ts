export type CountMetric =
  | "UploadsCompleted"
  | "UploadsFailed"
  | "DeadLetters"
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
