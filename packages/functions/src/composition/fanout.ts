import type { BatchMessage, FanOutDeps, ProgressMessage } from "@pipeline/core";
import { wiring as deployedWiring } from "@pipeline/wiring";
import { PostgresBatchRepository } from "../adapters/postgres/PostgresBatchRepository.js";
import { SqsDeadLetterQueue } from "../adapters/sqs/SqsDeadLetterQueue.js";
import { SqsRequeue } from "../adapters/sqs/SqsRequeue.js";
import { SqsJsonQueue } from "../adapters/sqs/SqsJsonQueue.js";
import { SqsUploadQueue } from "../adapters/sqs/SqsUploadQueue.js";
import { readFanoutConfig, type FanoutConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { createMetrics, type PublishingMetrics } from "../metrics.js";
import { infrastructureFromConfig, type BuildOptions, type HandlerLogger, type Infrastructure, type Settle } from "./infrastructure.js";

export interface FanoutDeps extends FanOutDeps {
  logger: HandlerLogger;
  metrics: PublishingMetrics;
  pageSize: number;
  reserveMillis: number;
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
    settle: {
      deadLetters: new SqsDeadLetterQueue(infra.sqs, config.BATCHES_DLQ_URL),
      requeue: new SqsRequeue(infra.sqs, config.BATCHES_QUEUE_URL),
      sourceQueue: "batches",
    },
    ...overrides,
  };
}

export function fanoutDepsFromEnv(): FanoutDeps {
  const config = readFanoutConfig();
  return buildFanoutDeps(config, infrastructureFromConfig(config));
}
