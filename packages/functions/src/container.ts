import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { BatchMessage, FanOutDeps, FinalizeProgressDeps, Logger, ProcessUploadsDeps, ProgressMessage, RetryPolicy } from "@pipeline/core";
import { wiring as deployedWiring, type Wiring } from "@pipeline/wiring";
import type { Context } from "aws-lambda";
import { ApiGatewayConnectionNotifier } from "./adapters/apigateway/ApiGatewayConnectionNotifier.js";
import { createPool } from "./adapters/postgres/createPool.js";
import { PostgresBatchRepository } from "./adapters/postgres/PostgresBatchRepository.js";
import { PostgresConnectionRepository } from "./adapters/postgres/PostgresConnectionRepository.js";
import { PostgresUploadRepository } from "./adapters/postgres/PostgresUploadRepository.js";
import type { Sql } from "./adapters/postgres/Sql.js";
import { SimulatedUploadProcessor } from "./adapters/processing/SimulatedUploadProcessor.js";
import { SqsDeadLetterQueue } from "./adapters/sqs/SqsDeadLetterQueue.js";
import { SqsJsonQueue } from "./adapters/sqs/SqsJsonQueue.js";
import { SqsMessageVisibility } from "./adapters/sqs/SqsMessageVisibility.js";
import { SqsUploadQueue } from "./adapters/sqs/SqsUploadQueue.js";
import { readFanoutConfig, readFinalizerConfig, readWorkerConfig, type FanoutConfig, type FinalizerConfig, type WorkerConfig } from "./config.js";
import { createLogger } from "./logger.js";
import type { SettleDeps } from "./queues/settleRecords.js";

export type HandlerLogger = Logger & { addContext?(context: Context): void };

/** Clients shared by every function of one process (one per Lambda; one for the whole local stack). */
export interface Infrastructure {
  sql: Sql;
  sqs: SQSClient;
  logger?: HandlerLogger;
}

type Settle = Omit<SettleDeps, "logger">;

/** Overrides of a function's dependencies, and the wiring to read its settings from. */
export type BuildOptions<T> = Partial<T> & { wiring?: Wiring };

export interface FanoutDeps extends FanOutDeps {
  logger: HandlerLogger;
  pageSize: number;
  reserveMillis: number;
  settle: Settle;
}

export interface WorkerDeps extends ProcessUploadsDeps {
  logger: HandlerLogger;
  concurrency: number;
  settle: Settle;
}

export interface FinalizerDeps extends FinalizeProgressDeps {
  logger: HandlerLogger;
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
    processor: new SimulatedUploadProcessor({ latencyMillis: config.PROCESSOR_LATENCY_MS }),
    progress: new SqsJsonQueue<ProgressMessage>(infra.sqs, config.PROGRESS_QUEUE_URL),
    logger: infra.logger ?? createLogger("worker"),
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

export function buildFinalizerDeps(
  config: FinalizerConfig,
  infra: Infrastructure & { apiGateway?: ApiGatewayManagementApiClient },
  overrides: Partial<FinalizerDeps> = {},
): FinalizerDeps {
  const apiGateway = infra.apiGateway ?? new ApiGatewayManagementApiClient({ endpoint: config.WS_MANAGEMENT_ENDPOINT, region: config.AWS_REGION });
  return {
    batches: new PostgresBatchRepository(infra.sql),
    connections: new PostgresConnectionRepository(infra.sql),
    notifier: new ApiGatewayConnectionNotifier(apiGateway),
    logger: infra.logger ?? createLogger("finalizer"),
    pushConcurrency: 16,
    settle: { deadLetters: new SqsDeadLetterQueue(infra.sqs, config.PROGRESS_DLQ_URL), sourceQueue: "progress" },
    ...overrides,
  };
}

function infrastructureFromConfig(config: FanoutConfig | WorkerConfig | FinalizerConfig): Infrastructure {
  return {
    sql: createPool({ connectionString: config.DATABASE_URL, localWebSocketProxy: config.PG_LOCAL_WS_PROXY }),
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
