import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createPool, type Database } from "@pipeline/adapters/postgres";
import type { QueuePair } from "@pipeline/adapters/sqs";
import type { Logger, QueueName } from "@pipeline/core";
import { assertDirectConnectionString, PooledConnectionStringError } from "@pipeline/db";
import { CliError } from "./CliError.js";

/** Everything a command reaches: the database, the queues with their DLQs, the management API. */
export interface OperatorContext {
  database: Database;
  sqs: SQSClient;
  apiGateway: ApiGatewayManagementApiClient;
  queues: Record<QueueName, QueuePair>;
  logger: Logger;
  /** Where the settings came from, for messages. */
  source: string;
  close(): Promise<void>;
}

interface StackFile {
  databaseUrl: string;
  pgProxy: string;
  sqsEndpoint: string;
  managementEndpoint: string;
  region: string;
  queues: Record<QueueName, QueuePair>;
}

const QUEUE_ENV: Record<QueueName, [string, string]> = {
  batches: ["BATCHES_QUEUE_URL", "BATCHES_DLQ_URL"],
  uploads: ["UPLOADS_QUEUE_URL", "UPLOADS_DLQ_URL"],
  progress: ["PROGRESS_QUEUE_URL", "PROGRESS_DLQ_URL"],
};

/**
 * Resolves the target: the local stack's `.local/stack.json` (or `--stack FILE`), else a deployed
 * stage described by the same environment variables the functions read.
 */
export function openContext(options: { stack?: string | undefined }, env: NodeJS.ProcessEnv = process.env): OperatorContext {
  const stackPath = resolve(options.stack ?? env.STACK_FILE ?? ".local/stack.json");
  const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  if (options.stack !== undefined || existsSync(stackPath)) {
    if (!existsSync(stackPath)) throw new CliError(`no stack found at ${stackPath}: start the local stack with \`npm start\`, or point --stack at its stack.json`);
    const stack = JSON.parse(readFileSync(stackPath, "utf8")) as StackFile;
    const credentials = { accessKeyId: "local", secretAccessKey: "local" };
    const database = createPool({ connectionString: stack.databaseUrl, localWebSocketProxy: stack.pgProxy, max: 4 });
    const sqs = new SQSClient({ region: stack.region, endpoint: stack.sqsEndpoint, credentials });
    const apiGateway = new ApiGatewayManagementApiClient({ region: stack.region, endpoint: stack.managementEndpoint, credentials });
    return context(database, sqs, apiGateway, stack.queues, quiet, `local stack (${stackPath})`);
  }
  const missing = ["DATABASE_URL", "WS_MANAGEMENT_ENDPOINT", ...Object.values(QUEUE_ENV).flat()].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new CliError(
      `no stack found: no ${stackPath}, and ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not set. Start the local stack with \`npm start\`, or set the deployed stage's settings (docs/operations.md).`,
    );
  }
  try {
    // Operators work on the direct connection: their scans and repair transactions take no server
    // connection from the functions' pool, and batchctl still works when the pooler is what failed.
    assertDirectConnectionString(env.DATABASE_URL ?? "", "batchctl");
  } catch (error) {
    if (error instanceof PooledConnectionStringError) throw new CliError(error.message, { cause: error });
    throw error;
  }
  const region = env.AWS_REGION ?? "us-east-1";
  const queues = Object.fromEntries(
    Object.entries(QUEUE_ENV).map(([queue, [url, dlq]]) => [queue, { url: env[url] ?? "", dlqUrl: env[dlq] ?? "" }]),
  ) as Record<QueueName, QueuePair>;
  return context(
    createPool({ connectionString: env.DATABASE_URL ?? "", max: 4 }),
    new SQSClient({ region }),
    new ApiGatewayManagementApiClient({ region, endpoint: env.WS_MANAGEMENT_ENDPOINT }),
    queues,
    quiet,
    `AWS (${region})`,
  );
}

function context(
  database: ReturnType<typeof createPool>,
  sqs: SQSClient,
  apiGateway: ApiGatewayManagementApiClient,
  queues: Record<QueueName, QueuePair>,
  logger: Logger,
  source: string,
): OperatorContext {
  return {
    database,
    sqs,
    apiGateway,
    queues,
    logger,
    source,
    async close() {
      await database.end();
      sqs.destroy();
      apiGateway.destroy();
    },
  };
}
