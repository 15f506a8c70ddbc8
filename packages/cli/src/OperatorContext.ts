import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createPool, type Database } from "@pipeline/adapters/postgres";
import { S3OffloadedBodies } from "@pipeline/adapters/sqs";
import type { Logger } from "@pipeline/core";
import { assertDirectConnectionString, PooledConnectionStringError } from "@pipeline/db";
import { ConfigurationError, readOperatorConfig } from "@pipeline/functions";
import { allQueueAddressesIn, type QueueAddress, type QueueName } from "@pipeline/wiring";
import { readStackFile, StackFileError, type StackFile } from "@pipeline/wiring/stackFile";
import { CliError } from "./CliError.js";

/** Everything a command reaches: the database, the queues with their DLQs, the management API. */
export interface OperatorContext {
  database: Database;
  sqs: SQSClient;
  apiGateway: ApiGatewayManagementApiClient;
  queues: Record<QueueName, QueueAddress>;
  /** Dead-letter bodies too large for SQS, in the media bucket's `dead-letters/`. */
  deadLetterBodies: S3OffloadedBodies;
  logger: Logger;
  /** Where the settings came from, for messages. */
  source: string;
  close(): Promise<void>;
}


/**
 * Resolves the target: the local stack's `.local/stack.json` (or `--stack FILE`), else a deployed
 * stage described by the same environment variables the functions read.
 */
export function openContext(options: { stack?: string | undefined }, env: NodeJS.ProcessEnv = process.env): OperatorContext {
  const stackPath = resolve(options.stack ?? env.STACK_FILE ?? ".local/stack.json");
  const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  if (options.stack !== undefined || existsSync(stackPath)) {
    if (!existsSync(stackPath)) throw new CliError(`no stack found at ${stackPath}: start the local stack with \`npm start\`, or point --stack at its stack.json`);
    const stack = readStackFileOrExplain(stackPath);
    const { credentials } = stack;
    const database = createPool({ connectionString: stack.databaseUrl, localWebSocketProxy: stack.pgProxy, max: 4 });
    const sqs = new SQSClient({ region: stack.region, endpoint: stack.sqsEndpoint, credentials });
    const apiGateway = new ApiGatewayManagementApiClient({ region: stack.region, endpoint: stack.managementEndpoint, credentials });
    const s3 = new S3Client({ region: stack.region, endpoint: stack.s3Endpoint, forcePathStyle: true, credentials });
    return context(database, sqs, apiGateway, stack.queues, { s3, bucket: stack.bucket }, quiet, `local stack (${stackPath})`);
  }
  let config;
  try {
    config = readOperatorConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    const { missing, invalid } = error;
    const unset = missing.length > 0 ? [`${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not set`] : [];
    throw new CliError(
      `no stack found: no ${stackPath}, and ${[...unset, ...invalid].join("; ")}. Start the local stack with \`npm start\`, or set the deployed stage's settings (docs/operations.md).`,
      { cause: error },
    );
  }
  try {
    // Operators work on the direct connection: their scans and repair transactions take no server
    // connection from the functions' pool, and batchctl still works when the pooler is what failed.
    assertDirectConnectionString(config.DATABASE_URL, "batchctl");
  } catch (error) {
    if (error instanceof PooledConnectionStringError) throw new CliError(error.message, { cause: error });
    throw error;
  }
  const region = config.AWS_REGION;
  return context(
    createPool({ connectionString: config.DATABASE_URL, max: 4 }),
    new SQSClient({ region }),
    new ApiGatewayManagementApiClient({ region, endpoint: config.WS_MANAGEMENT_ENDPOINT }),
    allQueueAddressesIn("operator", config),
    { s3: new S3Client({ region }), bucket: config.MEDIA_BUCKET },
    quiet,
    `AWS (${region})`,
  );
}

function context(
  database: ReturnType<typeof createPool>,
  sqs: SQSClient,
  apiGateway: ApiGatewayManagementApiClient,
  queues: Record<QueueName, QueueAddress>,
  storage: { s3: S3Client; bucket: string },
  logger: Logger,
  source: string,
): OperatorContext {
  return {
    database,
    sqs,
    apiGateway,
    queues,
    deadLetterBodies: new S3OffloadedBodies(storage.s3, storage.bucket),
    logger,
    source,
    async close() {
      await database.end();
      sqs.destroy();
      apiGateway.destroy();
      storage.s3.destroy();
    },
  };
}

function readStackFileOrExplain(path: string): StackFile {
  try {
    return readStackFile(path);
  } catch (error) {
    if (error instanceof StackFileError) throw new CliError(error.message, { cause: error });
    throw error;
  }
}
