import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { ApiGatewayConnectionNotifier } from "@pipeline/adapters/apigateway";
import { PostgresBatchRepository, PostgresConnectionRepository, PostgresPushSequencer, type Database } from "@pipeline/adapters/postgres";
import { createLogger, createMetrics, type HandlerLogger, type PublishingMetrics } from "@pipeline/adapters/powertools";
import { SqsRequeue } from "@pipeline/adapters/sqs";
import type { FinalizeProgressDeps } from "@pipeline/core";
import { wiring as deployedWiring } from "@pipeline/wiring";
import { readFinalizerConfig, type FinalizerConfig } from "../config.js";
import { deadLetterQueue } from "./deadLetterQueue.js";
import { infrastructureFromConfig, type BuildOptions, type Infrastructure, type Settle } from "./infrastructure.js";

export interface FinalizerDeps extends FinalizeProgressDeps {
  logger: HandlerLogger;
  metrics: PublishingMetrics;
  pushConcurrency: number;
  settle: Settle;
}

export function buildFinalizerDeps(
  config: FinalizerConfig,
  infra: Infrastructure & { database: Database; apiGateway?: ApiGatewayManagementApiClient },
  options: BuildOptions<FinalizerDeps> = {},
): FinalizerDeps {
  const { wiring = deployedWiring, ...overrides } = options;
  const apiGateway = infra.apiGateway ?? new ApiGatewayManagementApiClient({ endpoint: config.WS_MANAGEMENT_ENDPOINT, region: config.AWS_REGION });
  return {
    batches: new PostgresBatchRepository(infra.sql),
    sequencer: new PostgresPushSequencer(infra.database),
    connections: new PostgresConnectionRepository(infra.sql),
    notifier: new ApiGatewayConnectionNotifier(apiGateway),
    logger: infra.logger ?? createLogger("finalizer"),
    metrics: infra.metrics ?? createMetrics("finalizer"),
    pushConcurrency: wiring.finalizer.pushConcurrency,
    settle: {
      deadLetters: deadLetterQueue(infra, config, config.PROGRESS_DLQ_URL),
      requeue: new SqsRequeue(infra.sqs, config.PROGRESS_QUEUE_URL),
      sourceQueue: "progress",
      requeuePolicy: wiring.requeue,
    },
    ...overrides,
  };
}

export function finalizerDepsFromEnv(): FinalizerDeps {
  const config = readFinalizerConfig();
  return buildFinalizerDeps(config, infrastructureFromConfig(config));
}
