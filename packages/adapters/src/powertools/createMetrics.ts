import { Metrics as PowertoolsMetrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Metrics } from "@pipeline/core";

export type PublishingMetrics = Metrics & {
  /** Writes what the invocation stored (one EMF line on AWS). */
  publish(): void;
};

/**
 * Powertools Metrics behind the core's port: CloudWatch embedded metric format in the function's
 * logs, namespace `MediaPipeline`. POWERTOOLS_METRICS_DISABLED=true turns it off (local runs).
 */
export function createMetrics(serviceName: string): PublishingMetrics {
  const metrics = new PowertoolsMetrics({ namespace: "MediaPipeline", serviceName });
  // Powertools warns on every publish with nothing stored; most invocations have something.
  let stored = false;
  return {
    count: (name, value = 1) => {
      if (value <= 0) return;
      metrics.addMetric(name, MetricUnit.Count, value);
      stored = true;
    },
    milliseconds: (name, value) => {
      metrics.addMetric(name, MetricUnit.Milliseconds, value);
      stored = true;
    },
    publish: () => {
      if (stored) metrics.publishStoredMetrics();
      stored = false;
    },
  };
}
