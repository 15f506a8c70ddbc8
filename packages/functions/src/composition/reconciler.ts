import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { ApiGatewayConnectionNotifier } from "@pipeline/adapters/apigateway";
import { PostgresBatchMaintenance, PostgresConnectionRepository, type Database } from "@pipeline/adapters/postgres";
import { createLogger, createMetrics, type HandlerLogger, type PublishingMetrics } from "@pipeline/adapters/powertools";
import { SqsDeadLetters, SqsJsonQueue, SqsUploadQueue, type QueuePair } from "@pipeline/adapters/sqs";
import type { BatchMessage, ProgressMessage, QueueName, ReconcileDeps } from "@pipeline/core";
import { wiring as deployedWiring } from "@pipeline/wiring";
import { readReconcilerConfig } from "../config.js";
import { infrastructureFromConfig, type Infrastructure } from "./infrastructure.js";

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
