import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import type { FinalizeProgressDeps } from "@pipeline/core";
import { ApiGatewayConnectionNotifier } from "../adapters/apigateway/ApiGatewayConnectionNotifier.js";
import { PostgresBatchRepository } from "../adapters/postgres/PostgresBatchRepository.js";
import { PostgresConnectionRepository } from "../adapters/postgres/PostgresConnectionRepository.js";
import { PostgresPushSequencer } from "../adapters/postgres/PostgresPushSequencer.js";
import type { Database } from "../adapters/postgres/Sql.js";
import { SqsDeadLetterQueue } from "../adapters/sqs/SqsDeadLetterQueue.js";
import { SqsRequeue } from "../adapters/sqs/SqsRequeue.js";
import { readFinalizerConfig, type FinalizerConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { createMetrics, type PublishingMetrics } from "../metrics.js";
import { infrastructureFromConfig, type HandlerLogger, type Infrastructure, type Settle } from "./infrastructure.js";

export interface FinalizerDeps extends FinalizeProgressDeps {
  logger: HandlerLogger;
  metrics: PublishingMetrics;
  pushConcurrency: number;
  settle: Settle;
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
    settle: {
      deadLetters: new SqsDeadLetterQueue(infra.sqs, config.PROGRESS_DLQ_URL),
      requeue: new SqsRequeue(infra.sqs, config.PROGRESS_QUEUE_URL),
      sourceQueue: "progress",
    },
    ...overrides,
  };
}

export function finalizerDepsFromEnv(): FinalizerDeps {
  const config = readFinalizerConfig();
  return buildFinalizerDeps(config, infrastructureFromConfig(config));
}
