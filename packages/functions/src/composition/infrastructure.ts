import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createPool, type Database, type Sql } from "@pipeline/adapters/postgres";
import type { HandlerLogger, PublishingMetrics } from "@pipeline/adapters/powertools";
import { S3OffloadedBodies } from "@pipeline/adapters/s3";
import { SqsDeadLetterQueue } from "@pipeline/adapters/sqs";
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

const LOCAL_ENGINE_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/** S3, or the local engine that speaks its API. */
export function s3ClientFromConfig(config: { AWS_REGION: string; S3_ENDPOINT: string | undefined }): S3Client {
  return new S3Client({
    region: config.AWS_REGION,
    ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT, forcePathStyle: true, credentials: LOCAL_ENGINE_CREDENTIALS } : {}),
  });
}

/** A function's dead-letter queue: a body too large to park with its reason goes to the media bucket's `dead-letters/`. */
export function deadLetterQueue(
  infra: Infrastructure,
  config: { AWS_REGION: string; S3_ENDPOINT: string | undefined; MEDIA_BUCKET: string },
  dlqUrl: string,
  s3: S3Client = s3ClientFromConfig(config),
): SqsDeadLetterQueue {
  return new SqsDeadLetterQueue(infra.sqs, dlqUrl, { bodies: new S3OffloadedBodies(s3, config.MEDIA_BUCKET) });
}
