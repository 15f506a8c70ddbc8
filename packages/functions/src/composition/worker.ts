import { OllamaAiService } from "@pipeline/adapters/ai";
import { PostgresStageStore, PostgresUploadRepository } from "@pipeline/adapters/postgres";
import { createLogger, createMetrics, type HandlerLogger, type PublishingMetrics } from "@pipeline/adapters/powertools";
import { S3ObjectStore } from "@pipeline/adapters/s3";
import { SqsJsonQueue, SqsMessageVisibility, SqsRequeue, SqsUploadQueue } from "@pipeline/adapters/sqs";
import type { BatchMessage, ProcessUploadsDeps, ProgressMessage, RetryPolicy, UploadProcessor } from "@pipeline/core";
import { BuiltInAiService, MediaUploadProcessor, SimulatedUploadProcessor } from "@pipeline/media";
import { wiring as deployedWiring } from "@pipeline/wiring";
import { readWorkerConfig, type WorkerConfig } from "../config.js";
import { deadLetterQueue, s3ClientFromConfig } from "./deadLetterQueue.js";
import { infrastructureFromConfig, type BuildOptions, type Infrastructure, type Settle } from "./infrastructure.js";

export interface WorkerDeps extends ProcessUploadsDeps {
  logger: HandlerLogger;
  metrics: PublishingMetrics;
  concurrency: number;
  /** Time kept back from processing for the commit, the progress report and the response. */
  commitReserveMillis: number;
  settle: Settle;
}

export function buildWorkerDeps(
  config: WorkerConfig,
  infra: Infrastructure,
  options: BuildOptions<WorkerDeps> = {},
): WorkerDeps {
  const { wiring = deployedWiring, ...overrides } = options;
  const retry: RetryPolicy = {
    maxReceiveCount: wiring.queues.uploads.maxReceiveCount,
    baseDelaySeconds: wiring.uploadRetryBackoff.baseSeconds,
    maxDelaySeconds: wiring.uploadRetryBackoff.maxSeconds,
  };
  return {
    uploads: new PostgresUploadRepository(infra.sql),
    processor: overrides.processor ?? uploadProcessor(config, infra),
    progress: new SqsJsonQueue<ProgressMessage>(infra.sqs, config.PROGRESS_QUEUE_URL),
    // The window's refills go on the worker's own queue (it sends there to requeue, too).
    uploadQueue: new SqsUploadQueue(infra.sqs, config.UPLOADS_QUEUE_URL, { concurrency: wiring.fanOut.sendConcurrency }),
    batchQueue: new SqsJsonQueue<BatchMessage>(infra.sqs, config.BATCHES_QUEUE_URL),
    flow: wiring.flowControl,
    logger: infra.logger ?? createLogger("worker"),
    metrics: infra.metrics ?? createMetrics("worker"),
    retry,
    concurrency: wiring.functions.worker.batchSize,
    commitReserveMillis: wiring.worker.commitReserveMillis,
    settle: {
      deadLetters: deadLetterQueue(infra, config, config.UPLOADS_DLQ_URL),
      requeue: new SqsRequeue(infra.sqs, config.UPLOADS_QUEUE_URL),
      visibility: new SqsMessageVisibility(infra.sqs, config.UPLOADS_QUEUE_URL),
      sourceQueue: "uploads",
      requeuePolicy: wiring.requeue,
    },
    ...overrides,
  };
}

/** The worker's processing step: the media step, on S3, with the configured AI service or the built-in one; the simulated one for load tests. */
function uploadProcessor(config: WorkerConfig, infra: Infrastructure): UploadProcessor {
  if (config.SIMULATED_PROCESSING_MS !== undefined) return new SimulatedUploadProcessor({ latencyMillis: config.SIMULATED_PROCESSING_MS });
  const s3 = infra.s3 ?? s3ClientFromConfig(config);
  const ai = config.AI_BASE_URL
    ? new OllamaAiService({
        baseUrl: config.AI_BASE_URL,
        visionModel: config.AI_VISION_MODEL,
        embeddingModel: config.AI_EMBEDDING_MODEL,
        timeoutMillis: config.AI_TIMEOUT_MS,
      })
    : new BuiltInAiService();
  return new MediaUploadProcessor({
    objects: new S3ObjectStore(s3, config.MEDIA_BUCKET),
    ai,
    stages: new PostgresStageStore(infra.sql),
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
  });
}

export function workerDepsFromEnv(): WorkerDeps {
  const config = readWorkerConfig();
  return buildWorkerDeps(config, infrastructureFromConfig(config));
}
