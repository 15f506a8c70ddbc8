export type QueueName = "batches" | "uploads" | "progress";
export type FunctionName = "fanout" | "worker" | "finalizer";

export interface QueueWiring {
  /** Must be at least 6x the subscriber's timeout (AWS guidance for Lambda event sources). */
  visibilityTimeoutSeconds: number;
  /** Receives before the engine moves a message to the queue's dead-letter queue. */
  maxReceiveCount: number;
  messageRetentionSeconds: number;
  deadLetterRetentionSeconds: number;
}

export interface QueueFunctionWiring {
  /** `file.export` relative to the repository root, as SST expects. */
  handler: string;
  queue: QueueName;
  batchSize: number;
  batchingWindowSeconds: number;
  /** Event source mapping maximum concurrency (AWS minimum is 2). */
  maxConcurrency: number;
  timeoutSeconds: number;
  memoryMb: number;
}

export interface RetryBackoff {
  baseSeconds: number;
  maxSeconds: number;
}

export interface Wiring {
  queues: Record<QueueName, QueueWiring>;
  functions: Record<FunctionName, QueueFunctionWiring>;
  /** Delay before a retryable upload failure is seen again: base * 2^(attempt-1), capped. */
  uploadRetryBackoff: RetryBackoff;
  fanout: {
    pageSize: number;
    sendConcurrency: number;
    /** Hand over to a follow-up message when less than this much time remains. */
    reserveMillis: number;
  };
}
