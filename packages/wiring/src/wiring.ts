import type { Wiring } from "./types.js";

const DAY = 24 * 60 * 60;

/**
 * The one description of how queues and functions are wired. `stacks/` deploys it and the local
 * runtime runs it, so what runs on a laptop is what runs on AWS.
 */
export const wiring: Wiring = {
  // Node 24 is LTS until April 2028; SST 4 deploys it. Bumping it means bumping the `node` package.
  runtime: "nodejs24.x",
  queues: {
    batches: { visibilityTimeoutSeconds: 6 * 120, maxReceiveCount: 3, messageRetentionSeconds: 4 * DAY, deadLetterRetentionSeconds: 14 * DAY },
    uploads: { visibilityTimeoutSeconds: 6 * 90, maxReceiveCount: 4, messageRetentionSeconds: 4 * DAY, deadLetterRetentionSeconds: 14 * DAY },
    progress: { visibilityTimeoutSeconds: 6 * 30, maxReceiveCount: 5, messageRetentionSeconds: 1 * DAY, deadLetterRetentionSeconds: 14 * DAY },
  },
  functions: {
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
  },
  webSocket: {
    routes: {
      $connect: "packages/functions/src/ws/connect.handler",
      $disconnect: "packages/functions/src/ws/disconnect.handler",
      $default: "packages/functions/src/ws/message.handler",
      subscribe: "packages/functions/src/ws/message.handler",
    },
    timeoutSeconds: 10,
    memoryMb: 256,
    limits: { idleTimeoutSeconds: 10 * 60, maxConnectionSeconds: 2 * 60 * 60, maxMessageBytes: 128 * 1024, maxFrameBytes: 32 * 1024 },
  },
  reconciler: {
    handler: "packages/functions/src/scheduled/reconcile.handler",
    intervalMinutes: 5,
    timeoutSeconds: 120,
    memoryMb: 512,
    lostAfterSeconds: 15 * 60,
    stalledAfterSeconds: 30 * 60,
  },
  uploadRetryBackoff: { baseSeconds: 2, maxSeconds: 120 },
  fanout: { pageSize: 500, sendConcurrency: 8, reserveMillis: 15_000 },
};
