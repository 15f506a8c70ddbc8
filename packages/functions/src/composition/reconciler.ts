import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { ApiGatewayConnectionNotifier } from "@pipeline/adapters/apigateway";
import { PostgresBatchMaintenance, PostgresConnectionRepository, type Database } from "@pipeline/adapters/postgres";
import { createLogger, createMetrics, type HandlerLogger, type PublishingMetrics } from "@pipeline/adapters/powertools";
import { SqsDeadLetters, SqsJsonQueue, SqsUploadQueue } from "@pipeline/adapters/sqs";
import type { BatchMessage, ProgressMessage, ReconcileDeps, ReconcileOptions } from "@pipeline/core";
import { allQueueAddressesIn, wiring as deployedWiring, type QueueAddress, type QueueName } from "@pipeline/wiring";
import { readReconcilerConfig } from "../config.js";
import { infrastructureFromConfig, type BuildOptions, type Infrastructure } from "./infrastructure.js";

export interface ReconcilerDeps extends ReconcileDeps, Omit<ReconcileOptions, "now"> {
  logger: HandlerLogger;
  metrics: PublishingMetrics;
}

/** What a run is pointed at: the queues, and the thresholds (the wiring's, or an operator's). */
export interface ReconcilerSettings {
  queues: Record<QueueName, QueueAddress>;
  lostAfterSeconds: number;
  stalledAfterSeconds: number;
}

export function buildReconcilerDeps(
  settings: ReconcilerSettings,
  infra: Infrastructure & { database: Database; apiGateway: ApiGatewayManagementApiClient },
  options: BuildOptions<ReconcilerDeps> = {},
): ReconcilerDeps {
  const { wiring = deployedWiring, ...overrides } = options;
  return {
    maintenance: new PostgresBatchMaintenance(infra.database),
    deadLetters: new SqsDeadLetters(infra.sqs, settings.queues),
    batchQueue: new SqsJsonQueue<BatchMessage>(infra.sqs, settings.queues.batches.url),
    uploadQueue: new SqsUploadQueue(infra.sqs, settings.queues.uploads.url, { concurrency: wiring.fanOut.sendConcurrency }),
    progressQueue: new SqsJsonQueue<ProgressMessage>(infra.sqs, settings.queues.progress.url),
    connections: new PostgresConnectionRepository(infra.sql),
    notifier: new ApiGatewayConnectionNotifier(infra.apiGateway),
    logger: infra.logger ?? createLogger("reconciler"),
    metrics: infra.metrics ?? createMetrics("reconciler"),
    lostAfterSeconds: settings.lostAfterSeconds,
    stalledAfterSeconds: settings.stalledAfterSeconds,
    limit: wiring.reconciler.limit,
    deadLetterPeek: wiring.reconciler.deadLetterPeek,
    connectionSweep: wiring.reconciler.connectionSweep,
    ...overrides,
  };
}

export function reconcilerDepsFromEnv(): ReconcilerDeps {
  const config = readReconcilerConfig();
  const settings: ReconcilerSettings = {
    queues: allQueueAddressesIn("reconciler", config),
    lostAfterSeconds: config.RECONCILE_LOST_AFTER_SECONDS,
    stalledAfterSeconds: config.RECONCILE_STALLED_AFTER_SECONDS,
  };
  const apiGateway = new ApiGatewayManagementApiClient({ endpoint: config.WS_MANAGEMENT_ENDPOINT, region: config.AWS_REGION });
  return buildReconcilerDeps(settings, { ...infrastructureFromConfig(config), apiGateway });
}
