export const QUEUE_NAMES = ["batches", "uploads", "progress"] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** Where a queue and its dead-letter queue are found; ARNs where the caller knows them. */
export interface QueueAddress {
  url: string;
  arn?: string;
  dlqUrl: string;
  dlqArn?: string;
}

/** The queue functions, by the name the wiring and the deployment give them. */
export type FunctionName = "fanout" | "worker" | "finalizer";

export interface QueueWiring {
  /** Computed: 6x the subscriber's timeout (AWS guidance for Lambda event sources). */
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
  /** Packages the deployment installs next to the bundle instead of bundling them (native binaries). */
  install?: readonly string[];
  /**
   * Bulk work that yields the local machine's cores to the other functions (its local containers
   * run at a lower scheduling priority). On Lambda every container has a CPU share of its own; on a
   * laptop's few cores the worker's image processing would otherwise delay every reply and push.
   */
  localBackground?: true;
}

export type WebSocketRoute = "$connect" | "$disconnect" | "$default" | "subscribe";

export interface WebSocketWiring {
  /** Route key to `file.export`; client routes are selected by `$request.body.action`. */
  routes: Record<WebSocketRoute, string>;
  timeoutSeconds: number;
  memoryMb: number;
  /** API Gateway's limits, enforced by the local gateway too. */
  limits: { idleTimeoutSeconds: number; maxConnectionSeconds: number; maxMessageBytes: number; maxFrameBytes: number };
  /**
   * Each connection's token bucket for client frames, kept in its row: `burst` frames at once,
   * refilled at `refillPerSecond`. A frame over it is refused and the socket closed.
   */
  clientFrames: { burst: number; refillPerSecond: number };
  /**
   * The deployed stage's throttling, per route (API Gateway's `defaultRouteSettings`), over all
   * clients together: requests per second and burst. The local gateway does not throttle.
   */
  stageThrottling: { rateLimitPerSecond: number; burstLimit: number };
}

/** A function run on a schedule rather than by a queue. */
export interface ScheduledFunctionWiring {
  /** `file.export` relative to the repository root, as SST expects. */
  handler: string;
  intervalMinutes: number;
  /** Below the interval, so one run ends before the next starts. */
  timeoutSeconds: number;
  memoryMb: number;
}

export interface ReconcilerWiring extends ScheduledFunctionWiring {
  /**
   * An unfinished upload or a pending batch untouched this long has lost its message. Longer than
   * any wait a live message may have (visibility timeouts, retry and requeue delays).
   */
  lostAfterSeconds: number;
  /** A processing batch without progress this long is reported stalled (by the reconciler and `batchctl batch show`). */
  stalledAfterSeconds: number;
  /** Rows each repair step takes per run. */
  limit: number;
  /** Dead letters peeked per queue to name a stalled batch's causes. */
  deadLetterPeek: number;
  /** Derived from the gateway's limits: a connection older than API Gateway allows is gone. */
  connectionSweep: { maxAgeSeconds: number; probeAfterSeconds: number };
}

export interface RetryBackoff {
  baseSeconds: number;
  maxSeconds: number;
}

/** The Lambda Node.js runtimes this project can deploy on (SST's `runtime` takes these literals). */
export type LambdaNodeRuntime = "nodejs22.x" | "nodejs24.x";

export interface Wiring {
  /**
   * The Lambda runtime every function deploys on. Tests, the local stack, the CLI and the benchmark
   * run on the same Node major (installed by `npm ci` from the `node` package; a test checks it).
   */
  runtime: LambdaNodeRuntime;
  queues: Record<QueueName, QueueWiring>;
  functions: Record<FunctionName, QueueFunctionWiring>;
  webSocket: WebSocketWiring;
  /** Repairs what crashes and lost messages leave behind. */
  reconciler: ReconcilerWiring;
  /** Delay before a retryable upload failure is seen again: base * 2^(attempt-1), capped. */
  uploadRetryBackoff: RetryBackoff;
  /** A message whose dependency (the database) is down goes back on its queue, delayed: base * 2^requeues, capped. */
  requeue: { maxRequeues: number; baseDelaySeconds: number; maxDelaySeconds: number };
  worker: {
    /** Time kept back from processing for the commit, the progress report and the response. */
    commitReserveMillis: number;
    aiTimeoutMillis: number;
    maxUploadBytes: number;
  };
  finalizer: {
    /** PostToConnection calls in flight. */
    pushConcurrency: number;
  };
  fanOut: {
    /** SendMessageBatch calls in flight while a window is sent. */
    sendConcurrency: number;
  };
  /**
   * How a batch's uploads are released (docs/design.md, "Flow control"): a window of at most
   * `defaultMaxInFlight` uploads in flight per batch (a batch may have its own), refilled as they
   * finish; a bulk batch's window shrinks to `bulkShareWhileInteractive` of it while an interactive
   * batch runs; a batch submitted without a priority is bulk above `bulkAboveUploads` uploads.
   */
  flowControl: { defaultMaxInFlight: number; bulkShareWhileInteractive: number; bulkAboveUploads: number; releaseLeaseSeconds: number };
}
