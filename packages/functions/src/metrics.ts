import { MetricUnit, Metrics as PowertoolsMetrics } from "@aws-lambda-powertools/metrics";
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
  return {
    count: (name, value = 1) => {
      if (value > 0) metrics.addMetric(name, MetricUnit.Count, value);
    },
    milliseconds: (name, value) => metrics.addMetric(name, MetricUnit.Milliseconds, value),
    publish: () => metrics.publishStoredMetrics(),
  };
}
