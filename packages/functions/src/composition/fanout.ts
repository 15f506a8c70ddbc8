import { PostgresBatchRepository, PostgresUploadRepository } from "@pipeline/adapters/postgres";
import { createLogger, createMetrics, type HandlerLogger, type PublishingMetrics } from "@pipeline/adapters/powertools";
import { SqsJsonQueue, SqsRequeue, SqsUploadQueue } from "@pipeline/adapters/sqs";
import type { FanOutDeps, FlowPolicy, ProgressMessage } from "@pipeline/core";
import { wiring as deployedWiring } from "@pipeline/wiring";
import { readFanoutConfig, type FanoutConfig } from "../config.js";
import { deadLetterQueue } from "./deadLetterQueue.js";
import { infrastructureFromConfig, type BuildOptions, type Infrastructure, type Settle } from "./infrastructure.js";

export interface FanoutDeps extends FanOutDeps {
  logger: HandlerLogger;
  metrics: PublishingMetrics;
  flow: FlowPolicy;
  settle: Settle;
}

export function buildFanoutDeps(config: FanoutConfig, infra: Infrastructure, options: BuildOptions<FanoutDeps> = {}): FanoutDeps {
  const { wiring = deployedWiring, ...overrides } = options;
  return {
    batches: new PostgresBatchRepository(infra.sql),
    uploads: new PostgresUploadRepository(infra.sql),
    uploadQueue: new SqsUploadQueue(infra.sqs, config.UPLOADS_QUEUE_URL, { concurrency: wiring.fanOut.sendConcurrency }),
    progressQueue: new SqsJsonQueue<ProgressMessage>(infra.sqs, config.PROGRESS_QUEUE_URL),
    logger: infra.logger ?? createLogger("fanout"),
    metrics: infra.metrics ?? createMetrics("fanout"),
    flow: wiring.flowControl,
    settle: {
      deadLetters: deadLetterQueue(infra, config, config.BATCHES_DLQ_URL),
      requeue: new SqsRequeue(infra.sqs, config.BATCHES_QUEUE_URL),
      sourceQueue: "batches",
      requeuePolicy: wiring.requeue,
    },
    ...overrides,
  };
}

export function fanoutDepsFromEnv(): FanoutDeps {
  const config = readFanoutConfig();
  return buildFanoutDeps(config, infrastructureFromConfig(config));
}
