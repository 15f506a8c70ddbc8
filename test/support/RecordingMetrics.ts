import type { PublishingMetrics } from "@pipeline/adapters/powertools";
import type { CountMetric, DurationMetric } from "@pipeline/core";

/** Sums every metric the functions emit, so tests can assert what operators would graph. */
export class RecordingMetrics implements PublishingMetrics {
  readonly counts = new Map<CountMetric, number>();
  readonly durations = new Map<DurationMetric, number[]>();
  publishes = 0;

  count = (name: CountMetric, value = 1) => void this.counts.set(name, (this.counts.get(name) ?? 0) + value);
  milliseconds = (name: DurationMetric, value: number) => void this.durations.set(name, [...(this.durations.get(name) ?? []), value]);
  publish = () => void this.publishes++;
}
