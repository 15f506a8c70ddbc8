import type { QueueFunctionWiring, QueueWiring, Wiring } from "./types.js";

const DAY = 24 * 60 * 60;

/** AWS's guidance for a Lambda event source: at least 6x the function's timeout, so a retry never overlaps a run. */
const VISIBILITY_PER_TIMEOUT = 6;

const functions = {
  fanout: {
    handler: "packages/functions/src/queues/fanout.handler",
    queue: "batches",
    batchSize: 1,
    batchingWindowSeconds: 0,
    maxConcurrency: 2,
    timeoutSeconds: 120,
    memoryMb: 512,
  },
  worker: {
    handler: "packages/functions/src/queues/worker.handler",
    queue: "uploads",
    batchSize: 10,
    batchingWindowSeconds: 0,
    // Bounds the uploads in processing at once (x batchSize): it protects the AI backend.
    maxConcurrency: 16,
    timeoutSeconds: 90,
    memoryMb: 1024,
    // sharp loads a native binary for the platform: installed, not bundled.
    install: ["sharp"],
    localBackground: true,
  },
  finalizer: {
    handler: "packages/functions/src/queues/finalizer.handler",
    queue: "progress",
    batchSize: 100,
    batchingWindowSeconds: 1,
    maxConcurrency: 2,
    timeoutSeconds: 30,
    memoryMb: 512,
  },
} as const satisfies Wiring["functions"];

function queue(subscriber: QueueFunctionWiring, settings: Omit<QueueWiring, "visibilityTimeoutSeconds">): QueueWiring {
  return { visibilityTimeoutSeconds: VISIBILITY_PER_TIMEOUT * subscriber.timeoutSeconds, ...settings };
}

const webSocketLimits = { idleTimeoutSeconds: 10 * 60, maxConnectionSeconds: 2 * 60 * 60, maxMessageBytes: 128 * 1024, maxFrameBytes: 32 * 1024 };

/**
 * The one description of how queues and functions are wired. `stacks/` deploys it and the local
 * runtime runs it, so what runs on a laptop is what runs on AWS.
 */
export const wiring: Wiring = {
  // Node 24 is LTS until April 2028; SST 4 deploys it. Bumping it means bumping the `node` package.
  runtime: "nodejs24.x",
  queues: {
    batches: queue(functions.fanout, { maxReceiveCount: 3, messageRetentionSeconds: 4 * DAY, deadLetterRetentionSeconds: 14 * DAY }),
    uploads: queue(functions.worker, { maxReceiveCount: 4, messageRetentionSeconds: 4 * DAY, deadLetterRetentionSeconds: 14 * DAY }),
    progress: queue(functions.finalizer, { maxReceiveCount: 5, messageRetentionSeconds: 1 * DAY, deadLetterRetentionSeconds: 14 * DAY }),
  },
  functions,
  webSocket: {
    routes: {
      $connect: "packages/functions/src/ws/connect.handler",
      $disconnect: "packages/functions/src/ws/disconnect.handler",
      $default: "packages/functions/src/ws/message.handler",
      subscribe: "packages/functions/src/ws/message.handler",
    },
    timeoutSeconds: 10,
    memoryMb: 256,
    limits: webSocketLimits,
    // A dashboard subscribes to each batch it lists and pages every snapshot (200 uploads a page):
    // 60 covers a page load of a few dozen batches, 10 a second a large batch's re-snapshots.
    clientFrames: { burst: 60, refillPerSecond: 10 },
    // Over every client: far above what the functions' concurrency serves, far below the account's
    // 10,000 requests a second that one flood would otherwise take from every API in the region.
    stageThrottling: { rateLimitPerSecond: 500, burstLimit: 1000 },
  },
  reconciler: {
    handler: "packages/functions/src/scheduled/reconciler.handler",
    intervalMinutes: 5,
    timeoutSeconds: 120,
    memoryMb: 512,
    lostAfterSeconds: 15 * 60,
    stalledAfterSeconds: 30 * 60,
    limit: 1000,
    deadLetterPeek: 500,
    // API Gateway closes a connection at its maximum age, and an idle one sooner: a row past either
    // is probed, and past the maximum age it is gone whatever the probe says.
    connectionSweep: { maxAgeSeconds: webSocketLimits.maxConnectionSeconds, probeAfterSeconds: webSocketLimits.idleTimeoutSeconds },
  },
  uploadRetryBackoff: { baseSeconds: 2, maxSeconds: 120 },
  // 12 requeues ride out about 40 minutes of outage before failures start to count.
  requeue: { maxRequeues: 12, baseDelaySeconds: 5, maxDelaySeconds: 300 },
  worker: { commitReserveMillis: 5_000, aiTimeoutMillis: 30_000, maxUploadBytes: 50 * 1024 * 1024 },
  finalizer: { pushConcurrency: 16 },
  fanOut: { sendConcurrency: 8 },
  // A window of 40 keeps 2 cores (the local stack) or 4 worker invocations (AWS) busy on one batch,
  // while a batch submitted behind it waits for at most one window's uploads (docs/benchmarks.md).
  // A batch of more than 200 uploads (an import rather than a person's picks) is bulk unless its
  // submitter says otherwise: on 2 cores, an interactive batch's images share the CPU with every
  // image in flight, so it keeps its time alone only if a large batch yields (docs/design.md).
  // A released upload not started within 30 s lost its message (a window's few queued messages
  // are taken in seconds): it is released again, a duplicate at worst. Far shorter than the
  // reconciler's 15 minutes, so a refill lost to a crash or a lost commit answer heals in under a minute.
  flowControl: { defaultMaxInFlight: 40, bulkShareWhileInteractive: 0.25, bulkAboveUploads: 200, releaseLeaseSeconds: 30 },
};
