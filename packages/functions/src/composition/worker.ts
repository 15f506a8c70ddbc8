import { S3Client } from "@aws-sdk/client-s3";
import type { ProcessUploadsDeps, ProgressMessage, RetryPolicy, UploadProcessor } from "@pipeline/core";
import { BuiltInAiService, MediaUploadProcessor } from "@pipeline/media";
import { wiring as deployedWiring } from "@pipeline/wiring";
import { OllamaAiService } from "../adapters/ai/OllamaAiService.js";
import { PostgresStageStore } from "../adapters/postgres/PostgresStageStore.js";
import { PostgresUploadRepository } from "../adapters/postgres/PostgresUploadRepository.js";
import { SimulatedUploadProcessor } from "../adapters/processing/SimulatedUploadProcessor.js";
import { S3ObjectStore } from "../adapters/s3/S3ObjectStore.js";
import { SqsDeadLetterQueue } from "../adapters/sqs/SqsDeadLetterQueue.js";
import { SqsRequeue } from "../adapters/sqs/SqsRequeue.js";
import { SqsJsonQueue } from "../adapters/sqs/SqsJsonQueue.js";
import { SqsMessageVisibility } from "../adapters/sqs/SqsMessageVisibility.js";
import { readWorkerConfig, type WorkerConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { createMetrics, type PublishingMetrics } from "../metrics.js";
import { infrastructureFromConfig, type BuildOptions, type HandlerLogger, type Infrastructure, type Settle } from "./infrastructure.js";

export interface WorkerDeps extends ProcessUploadsDeps {
  logger: HandlerLogger;
  metrics: PublishingMetrics;
  concurrency: number;
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
    logger: infra.logger ?? createLogger("worker"),
    metrics: infra.metrics ?? createMetrics("worker"),
    retry,
    concurrency: wiring.functions.worker.batchSize,
    settle: {
      deadLetters: new SqsDeadLetterQueue(infra.sqs, config.UPLOADS_DLQ_URL),
      requeue: new SqsRequeue(infra.sqs, config.UPLOADS_QUEUE_URL),
      visibility: new SqsMessageVisibility(infra.sqs, config.UPLOADS_QUEUE_URL),
      sourceQueue: "uploads",
    },
    ...overrides,
  };
}

/** Local engines never check credentials, but the SDK signs every request. */
const LOCAL_ENGINE_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/** The worker's processing step as configured: the media step (S3, AI service or the built-in one) or the simulation. */
function uploadProcessor(config: WorkerConfig, infra: Infrastructure): UploadProcessor {
  if (config.UPLOAD_PROCESSOR === "simulated") return new SimulatedUploadProcessor({ latencyMillis: config.PROCESSOR_LATENCY_MS });
  const s3 = new S3Client({
    region: config.AWS_REGION,
    ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT, forcePathStyle: true, credentials: LOCAL_ENGINE_CREDENTIALS } : {}),
  });
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
