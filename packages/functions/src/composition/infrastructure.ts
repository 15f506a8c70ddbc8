import { SQSClient } from "@aws-sdk/client-sqs";
import { createPool, type Database, type Sql } from "@pipeline/adapters/postgres";
import type { HandlerLogger, PublishingMetrics } from "@pipeline/adapters/powertools";
import type { Wiring } from "@pipeline/wiring";
import type { FanoutConfig } from "../config.js";
import type { Settle } from "../queues/createQueueFunction.js";

/** Clients shared by every function of one process (one per Lambda; one for the whole local stack). */
export interface DatabaseInfrastructure {
  sql: Sql;
  logger?: HandlerLogger;
  metrics?: PublishingMetrics;
}

export interface Infrastructure extends DatabaseInfrastructure {
  sqs: SQSClient;
}

export type { Settle };

/** Overrides of a function's dependencies, and the wiring to read its settings from. */
export type BuildOptions<T> = Partial<T> & { wiring?: Wiring };

/** The database clients a Lambda builds at cold start: all a function needs that sends no message. */
export function databaseFromConfig(config: Pick<FanoutConfig, "DATABASE_URL" | "PG_LOCAL_WS_PROXY">): DatabaseInfrastructure & { database: Database } {
  const pool = createPool({ connectionString: config.DATABASE_URL, localWebSocketProxy: config.PG_LOCAL_WS_PROXY });
  return { sql: pool, database: pool };
}

/** The clients a queue function builds at cold start from its configuration. */
export function infrastructureFromConfig(config: Pick<FanoutConfig, "DATABASE_URL" | "PG_LOCAL_WS_PROXY" | "AWS_REGION" | "SQS_ENDPOINT">): Infrastructure & { database: Database } {
  return {
    ...databaseFromConfig(config),
    sqs: new SQSClient({ region: config.AWS_REGION, ...(config.SQS_ENDPOINT ? { endpoint: config.SQS_ENDPOINT } : {}) }),
  };
}
