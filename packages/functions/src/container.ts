import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { BatchMessage, BatchReader, ConnectionDeps, ReconcileDeps, ConnectionNotifier, FanOutDeps, FinalizeProgressDeps, Logger, ProcessUploadsDeps, ProgressMessage, QueueName, RetryPolicy, UploadProcessor } from "@pipeline/core";
import { BuiltInAiService, MediaUploadProcessor } from "@pipeline/media";
import { wiring as deployedWiring, type Wiring } from "@pipeline/wiring";
import type { Context } from "aws-lambda";
import { OllamaAiService } from "./adapters/ai/OllamaAiService.js";
import { ApiGatewayConnectionNotifier } from "./adapters/apigateway/ApiGatewayConnectionNotifier.js";
import { createPool } from "./adapters/postgres/createPool.js";
import { PostgresBatchRepository } from "./adapters/postgres/PostgresBatchRepository.js";
import { PostgresConnectionRepository } from "./adapters/postgres/PostgresConnectionRepository.js";
import { PostgresStageStore } from "./adapters/postgres/PostgresStageStore.js";
import { PostgresUploadRepository } from "./adapters/postgres/PostgresUploadRepository.js";
import type { Database, Sql } from "./adapters/postgres/Sql.js";
import { SimulatedUploadProcessor } from "./adapters/processing/SimulatedUploadProcessor.js";
import { S3ObjectStore } from "./adapters/s3/S3ObjectStore.js";
import { SqsDeadLetterQueue } from "./adapters/sqs/SqsDeadLetterQueue.js";
import { SqsJsonQueue } from "./adapters/sqs/SqsJsonQueue.js";
import { SqsMessageVisibility } from "./adapters/sqs/SqsMessageVisibility.js";
import { SqsUploadQueue } from "./adapters/sqs/SqsUploadQueue.js";
import {
  readFanoutConfig,
  readFinalizerConfig,
  readWebSocketConfig,
  readWorkerConfig,
  type FanoutConfig,
  type FinalizerConfig,
  readReconcilerConfig,
  type WebSocketConfig,
  type WorkerConfig,
} from "./config.js";
import { PostgresBatchMaintenance } from "./adapters/postgres/PostgresBatchMaintenance.js";
import { PostgresPushSequencer } from "./adapters/postgres/PostgresPushSequencer.js";
import { SqsDeadLetters, type QueuePair } from "./adapters/sqs/SqsDeadLetters.js";
import { JwtTokenVerifier } from "./adapters/auth/JwtTokenVerifier.js";
import { PostgresBatchReader } from "./adapters/postgres/PostgresBatchReader.js";
import { createLogger } from "./logger.js";
import { createMetrics, type PublishingMetrics } from "./metrics.js";
import type { SettleDeps } from "./queues/settleRecords.js";

export type HandlerLogger = Logger & { addContext?(context: Context): void };

/** Clients shared by every function of one process (one per Lambda; one for the whole local stack). */
export interface Infrastructure {
  sql: Sql;
  sqs: SQSClient;
  logger?: HandlerLogger;
  metrics?: PublishingMetrics;
}

type Settle = Omit<SettleDeps, "logger" | "metrics">;

/** Overrides of a function's dependencies, and the wiring to read its settings from. */
export type BuildOptions<T> = Partial<T> & { wiring?: Wiring };

export interface FanoutDeps extends FanOutDeps {
  logger: HandlerLogger;
  metrics: PublishingMetrics;
  pageSize: number;
  reserveMillis: number;
  settle: Settle;
}

export interface WorkerDeps extends ProcessUploadsDeps {
  logger: HandlerLogger;
  metrics: PublishingMetrics;
  concurrency: number;
  settle: Settle;
}

export interface FinalizerDeps extends FinalizeProgressDeps {
  logger: HandlerLogger;
  metrics: PublishingMetrics;
  pushConcurrency: number;
  settle: Settle;
}

export function buildFanoutDeps(config: FanoutConfig, infra: Infrastructure, options: BuildOptions<FanoutDeps> = {}): FanoutDeps {
  const { wiring = deployedWiring, ...overrides } = options;
  return {
    batches: new PostgresBatchRepository(infra.sql),
    uploadQueue: new SqsUploadQueue(infra.sqs, config.UPLOADS_QUEUE_URL, { concurrency: wiring.fanout.sendConcurrency }),
    batchQueue: new SqsJsonQueue<BatchMessage>(infra.sqs, config.BATCHES_QUEUE_URL),
    progressQueue: new SqsJsonQueue<ProgressMessage>(infra.sqs, config.PROGRESS_QUEUE_URL),
    logger: infra.logger ?? createLogger("fanout"),
    metrics: infra.metrics ?? createMetrics("fanout"),
    pageSize: wiring.fanout.pageSize,
    reserveMillis: wiring.fanout.reserveMillis,
    settle: { deadLetters: new SqsDeadLetterQueue(infra.sqs, config.BATCHES_DLQ_URL), sourceQueue: "batches" },
    ...overrides,
  };
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

export function buildFinalizerDeps(
  config: FinalizerConfig,
  infra: Infrastructure & { database: Database; apiGateway?: ApiGatewayManagementApiClient },
  overrides: Partial<FinalizerDeps> = {},
): FinalizerDeps {
  const apiGateway = infra.apiGateway ?? new ApiGatewayManagementApiClient({ endpoint: config.WS_MANAGEMENT_ENDPOINT, region: config.AWS_REGION });
  return {
    batches: new PostgresBatchRepository(infra.sql),
    sequencer: new PostgresPushSequencer(infra.database),
    connections: new PostgresConnectionRepository(infra.sql),
    notifier: new ApiGatewayConnectionNotifier(apiGateway),
    logger: infra.logger ?? createLogger("finalizer"),
    metrics: infra.metrics ?? createMetrics("finalizer"),
    pushConcurrency: 16,
    settle: { deadLetters: new SqsDeadLetterQueue(infra.sqs, config.PROGRESS_DLQ_URL), sourceQueue: "progress" },
    ...overrides,
  };
}

export interface WebSocketDeps extends ConnectionDeps {
  logger: HandlerLogger;
  notifier: ConnectionNotifier;
  reader: BatchReader;
}

export function buildWebSocketDeps(
  config: WebSocketConfig,
  infra: Infrastructure & { apiGateway?: ApiGatewayManagementApiClient },
  overrides: Partial<WebSocketDeps> = {},
): WebSocketDeps {
  const apiGateway = infra.apiGateway ?? new ApiGatewayManagementApiClient({ endpoint: config.WS_MANAGEMENT_ENDPOINT, region: config.AWS_REGION });
  return {
    connections: new PostgresConnectionRepository(infra.sql),
    tokens: new JwtTokenVerifier(config.AUTH_SECRET),
    notifier: new ApiGatewayConnectionNotifier(apiGateway),
    reader: new PostgresBatchReader(infra.sql),
    logger: infra.logger ?? createLogger("websocket"),
    ...overrides,
  };
}

export interface ReconcilerDeps extends ReconcileDeps {
  logger: HandlerLogger;
  metrics: PublishingMetrics;
  lostAfterSeconds: number;
  stalledAfterSeconds: number;
}

export interface ReconcilerSettings {
  queues: Record<QueueName, QueuePair>;
  lostAfterSeconds: number;
  stalledAfterSeconds: number;
}

export function buildReconcilerDeps(
  settings: ReconcilerSettings,
  infra: Infrastructure & { database: Database; apiGateway: ApiGatewayManagementApiClient },
  overrides: Partial<ReconcilerDeps> = {},
): ReconcilerDeps {
  return {
    maintenance: new PostgresBatchMaintenance(infra.database),
    deadLetters: new SqsDeadLetters(infra.sqs, settings.queues),
    batchQueue: new SqsJsonQueue<BatchMessage>(infra.sqs, settings.queues.batches.url),
    uploadQueue: new SqsUploadQueue(infra.sqs, settings.queues.uploads.url, { concurrency: deployedWiring.fanout.sendConcurrency }),
    progressQueue: new SqsJsonQueue<ProgressMessage>(infra.sqs, settings.queues.progress.url),
    connections: new PostgresConnectionRepository(infra.sql),
    notifier: new ApiGatewayConnectionNotifier(infra.apiGateway),
    logger: infra.logger ?? createLogger("reconciler"),
    metrics: infra.metrics ?? createMetrics("reconciler"),
    lostAfterSeconds: settings.lostAfterSeconds,
    stalledAfterSeconds: settings.stalledAfterSeconds,
    ...overrides,
  };
}

function infrastructureFromConfig(config: Pick<FanoutConfig, "DATABASE_URL" | "PG_LOCAL_WS_PROXY" | "AWS_REGION" | "SQS_ENDPOINT">): Infrastructure & { database: Database } {
  const pool = createPool({ connectionString: config.DATABASE_URL, localWebSocketProxy: config.PG_LOCAL_WS_PROXY });
  return {
    sql: pool,
    database: pool,
    sqs: new SQSClient({ region: config.AWS_REGION, ...(config.SQS_ENDPOINT ? { endpoint: config.SQS_ENDPOINT } : {}) }),
  };
}

export function fanoutDepsFromEnv(): FanoutDeps {
  const config = readFanoutConfig();
  return buildFanoutDeps(config, infrastructureFromConfig(config));
}

export function workerDepsFromEnv(): WorkerDeps {
  const config = readWorkerConfig();
  return buildWorkerDeps(config, infrastructureFromConfig(config));
}

export function finalizerDepsFromEnv(): FinalizerDeps {
  const config = readFinalizerConfig();
  return buildFinalizerDeps(config, infrastructureFromConfig(config));
}

export function webSocketDepsFromEnv(): WebSocketDeps {
  const config = readWebSocketConfig();
  return buildWebSocketDeps(config, infrastructureFromConfig(config));
}

export function reconcilerDepsFromEnv(): ReconcilerDeps {
  const config = readReconcilerConfig();
  const settings: ReconcilerSettings = {
    queues: {
      batches: { url: config.BATCHES_QUEUE_URL, dlqUrl: config.BATCHES_DLQ_URL },
      uploads: { url: config.UPLOADS_QUEUE_URL, dlqUrl: config.UPLOADS_DLQ_URL },
      progress: { url: config.PROGRESS_QUEUE_URL, dlqUrl: config.PROGRESS_DLQ_URL },
    },
    lostAfterSeconds: config.RECONCILE_LOST_AFTER_SECONDS,
    stalledAfterSeconds: config.RECONCILE_STALLED_AFTER_SECONDS,
  };
  const apiGateway = new ApiGatewayManagementApiClient({ endpoint: config.WS_MANAGEMENT_ENDPOINT, region: config.AWS_REGION });
  return buildReconcilerDeps(settings, { ...infrastructureFromConfig(config), apiGateway });
}
