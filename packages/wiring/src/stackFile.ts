import { readFileSync } from "node:fs";
import { QUEUE_NAMES, type QueueAddress, type QueueName } from "./types.js";

/** What a local stack writes to `stack.json`: every endpoint a client or an operator tool needs. */
export interface StackFile {
  httpUrl: string;
  wsUrl: string;
  managementEndpoint: string;
  sqsEndpoint: string;
  s3Endpoint: string;
  bucket: string;
  region: string;
  /** The direct connection string: operators (batchctl) and migrations. */
  databaseUrl: string;
  /** The functions' connection string: pgbouncer in transaction mode, or `databaseUrl` when there is none. */
  pooledDatabaseUrl: string;
  pgProxy: string;
  queues: Record<QueueName, QueueAddress>;
  authSecret: string;
  /** The key pair the stack's engines and management API accept: every SQS, S3 and management call is signed with it (SigV4). */
  credentials: { accessKeyId: string; secretAccessKey: string };
}

const TEXT_FIELDS = [
  "httpUrl",
  "wsUrl",
  "managementEndpoint",
  "sqsEndpoint",
  "s3Endpoint",
  "bucket",
  "region",
  "databaseUrl",
  "pooledDatabaseUrl",
  "pgProxy",
  "authSecret",
] as const satisfies ReadonlyArray<keyof StackFile>;

/** No local stack has written the stack file there. */
export class StackNotFoundError extends Error {
  override readonly name = "StackNotFoundError";
  constructor(readonly path: string) {
    super(`no local stack found (${path} is missing): start one with \`npm start\``);
  }
}

/** The file is there but is not a stack file this version writes. */
export class StackFileError extends Error {
  override readonly name = "StackFileError";
  constructor(
    readonly path: string,
    readonly problems: string[],
  ) {
    super(`${path} is not a stack file of this version (${problems.join("; ")}): start the stack again with \`npm start\``);
  }
}

/** The one reader of `stack.json`, for the local tools and batchctl alike. */
export function readStackFile(path: string): StackFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new StackNotFoundError(path);
    throw error;
  }
  return parseStackFile(text, path);
}

export function parseStackFile(text: string, path: string): StackFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StackFileError(path, [`not JSON: ${(error as Error).message}`]);
  }
  const record = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  const problems = TEXT_FIELDS.filter((field) => typeof record[field] !== "string" || record[field] === "").map((field) => `${field} is missing`);
  const queues = (typeof record.queues === "object" && record.queues !== null ? record.queues : {}) as Record<string, Partial<QueueAddress> | undefined>;
  for (const name of QUEUE_NAMES) {
    if (typeof queues[name]?.url !== "string" || typeof queues[name]?.dlqUrl !== "string") problems.push(`queues.${name} needs url and dlqUrl`);
  }
  const credentials = (typeof record.credentials === "object" && record.credentials !== null ? record.credentials : {}) as Record<string, unknown>;
  if (typeof credentials.accessKeyId !== "string" || typeof credentials.secretAccessKey !== "string") problems.push("credentials needs accessKeyId and secretAccessKey");
  if (problems.length > 0) throw new StackFileError(path, problems);
  return record as unknown as StackFile;
}
