import { QUEUE_NAMES, type QueueAddress, type QueueName } from "./types.js";
import { wiring } from "./wiring.js";

/** The stage's secrets, set with `sst secret set`; stacks/secrets.ts declares one per name. */
export type SecretName = "databaseUrl" | "authSecret" | "aiBaseUrl" | "aiVisionModel" | "aiEmbeddingModel";

/**
 * The stage's non-secret settings: `stacks/` reads them where `sst deploy` runs (the shell, or the
 * `.env.<stage>` file SST loads), the local stack from its options.
 */
export type StageSettingName = "authMode" | "authJwksUrl" | "authIssuer" | "authAudience";

/** How a reader parses a variable's text. */
export type VariableValue =
  | { type: "url" }
  | { type: "string"; minLength?: number }
  | { type: "integer"; min: number }
  | { type: "enum"; values: readonly string[] };

/**
 * Where a variable's value comes from: a deployed resource (`stacks/` sets it on AWS, the local
 * runtime locally), a stage secret, a non-secret stage setting, the platform (Lambda sets AWS_REGION), a local engine's
 * endpoint (the local runtime only), or a tuning value an operator may override.
 */
export type VariableSource =
  | { from: "queueUrl"; queue: QueueName }
  | { from: "deadLetterQueueUrl"; queue: QueueName }
  | { from: "bucket" }
  | { from: "managementEndpoint" }
  | { from: "secret"; secret: SecretName }
  | { from: "stageSetting"; setting: StageSettingName }
  | { from: "region" }
  | { from: "localEngine"; engine: "postgresProxy" | "sqs" | "s3" }
  | { from: "tuning" };

/**
 * One environment variable. Without a default and not `optional`, it is required: a reader fails
 * fast naming it. A secret with a default or `optional` is deployed only when the stage sets it.
 */
export type Variable = VariableSource & VariableValue & { default?: string | number; optional?: true; description: string };

const queueUrl = (queue: QueueName) => ({ from: "queueUrl", queue, type: "url", description: `the ${queue} queue` }) as const;
const deadLetterQueueUrl = (queue: QueueName) => ({ from: "deadLetterQueueUrl", queue, type: "url", description: `the ${queue} queue's DLQ` }) as const;

/** Every variable a function or operator tool reads: its name is written here and nowhere else. */
export const variables = {
  DATABASE_URL: { from: "secret", secret: "databaseUrl", type: "string", minLength: 1, description: "the Postgres connection string" },
  /** A later move to SST links (`Resource`) changes only how a secret reaches the function. */
  AUTH_SECRET: { from: "secret", secret: "authSecret", type: "string", minLength: 32, description: "HS256 key of client tokens, at least 32 characters" },
  AUTH_MODE: {
    from: "stageSetting",
    setting: "authMode",
    type: "enum",
    values: ["hs256", "jwks"],
    default: "hs256",
    description: "how client tokens are verified: `hs256` with AUTH_SECRET, or `jwks` against an identity provider's keys (RS256, ES256)",
  },
  AUTH_JWKS_URL: { from: "stageSetting", setting: "authJwksUrl", type: "url", optional: true, description: "jwks mode: the identity provider's JWKS (https)" },
  AUTH_ISSUER: { from: "stageSetting", setting: "authIssuer", type: "string", minLength: 1, optional: true, description: "jwks mode: the `iss` every token must carry" },
  AUTH_AUDIENCE: { from: "stageSetting", setting: "authAudience", type: "string", minLength: 1, optional: true, description: "jwks mode: the `aud` every token must carry" },
  AWS_REGION: { from: "region", type: "string", default: "us-east-1", description: "set by Lambda" },
  PG_LOCAL_WS_PROXY: { from: "localEngine", engine: "postgresProxy", type: "string", optional: true, description: "host:port of the local WebSocket-to-TCP proxy in front of Postgres" },
  SQS_ENDPOINT: { from: "localEngine", engine: "sqs", type: "url", optional: true, description: "a local SQS engine" },
  S3_ENDPOINT: { from: "localEngine", engine: "s3", type: "url", optional: true, description: "a local S3 engine (path-style, local credentials)" },
  BATCHES_QUEUE_URL: queueUrl("batches"),
  BATCHES_DLQ_URL: deadLetterQueueUrl("batches"),
  UPLOADS_QUEUE_URL: queueUrl("uploads"),
  UPLOADS_DLQ_URL: deadLetterQueueUrl("uploads"),
  PROGRESS_QUEUE_URL: queueUrl("progress"),
  PROGRESS_DLQ_URL: deadLetterQueueUrl("progress"),
  MEDIA_BUCKET: { from: "bucket", type: "string", minLength: 1, description: "where uploads are read and thumbnails written, and dead-letter bodies too large for SQS kept (dead-letters/)" },
  WS_MANAGEMENT_ENDPOINT: { from: "managementEndpoint", type: "url", description: "https://{api-id}.execute-api.{region}.amazonaws.com/{stage}" },
  AI_BASE_URL: { from: "secret", secret: "aiBaseUrl", type: "url", optional: true, description: "an Ollama-compatible server; unset means the built-in deterministic AI" },
  AI_VISION_MODEL: { from: "secret", secret: "aiVisionModel", type: "string", minLength: 1, default: "llava", description: "the vision model" },
  AI_EMBEDDING_MODEL: { from: "secret", secret: "aiEmbeddingModel", type: "string", minLength: 1, default: "mxbai-embed-large", description: "answers with 1024 floats" },
  AI_TIMEOUT_MS: { from: "tuning", type: "integer", min: 1, default: wiring.worker.aiTimeoutMillis, description: "per AI request; retries come on top" },
  MAX_UPLOAD_BYTES: { from: "tuning", type: "integer", min: 1, default: wiring.worker.maxUploadBytes, description: "larger uploads fail permanently" },
  SIMULATED_PROCESSING_MS: {
    from: "tuning",
    type: "integer",
    min: 0,
    optional: true,
    description: "load tests only: the worker skips media and AI and spends this long per upload instead (never set on a stage that serves users)",
  },
  RECONCILE_LOST_AFTER_SECONDS: { from: "tuning", type: "integer", min: 1, default: wiring.reconciler.lostAfterSeconds, description: "override of wiring.reconciler.lostAfterSeconds" },
  RECONCILE_STALLED_AFTER_SECONDS: { from: "tuning", type: "integer", min: 1, default: wiring.reconciler.stalledAfterSeconds, description: "override of wiring.reconciler.stalledAfterSeconds" },
} as const satisfies Record<string, Variable>;

export type VariableName = keyof typeof variables;

/** Who reads an environment: each deployed function, and the operator CLI against a deployed stage. */
export type EnvironmentName = "fanout" | "worker" | "finalizer" | "webSocket" | "reconciler" | "operator";

const postgres = ["DATABASE_URL", "PG_LOCAL_WS_PROXY", "AWS_REGION"] as const;
const postgresAndSqs = [...postgres, "SQS_ENDPOINT"] as const;
const everyQueue = ["BATCHES_QUEUE_URL", "BATCHES_DLQ_URL", "UPLOADS_QUEUE_URL", "UPLOADS_DLQ_URL", "PROGRESS_QUEUE_URL", "PROGRESS_DLQ_URL"] as const;

/** The variables each reader parses, exactly: `stacks/` deploys these and the local runtime sets them. */
export const environments = {
  fanout: [...postgresAndSqs, "BATCHES_QUEUE_URL", "BATCHES_DLQ_URL", "UPLOADS_QUEUE_URL", "PROGRESS_QUEUE_URL", "S3_ENDPOINT", "MEDIA_BUCKET"],
  worker: [
    ...postgresAndSqs,
    "BATCHES_QUEUE_URL",
    "UPLOADS_QUEUE_URL",
    "UPLOADS_DLQ_URL",
    "PROGRESS_QUEUE_URL",
    "S3_ENDPOINT",
    "MEDIA_BUCKET",
    "AI_BASE_URL",
    "AI_VISION_MODEL",
    "AI_EMBEDDING_MODEL",
    "AI_TIMEOUT_MS",
    "MAX_UPLOAD_BYTES",
    "SIMULATED_PROCESSING_MS",
  ],
  finalizer: [...postgresAndSqs, "PROGRESS_QUEUE_URL", "PROGRESS_DLQ_URL", "WS_MANAGEMENT_ENDPOINT", "S3_ENDPOINT", "MEDIA_BUCKET"],
  webSocket: [...postgres, "AUTH_SECRET", "AUTH_MODE", "AUTH_JWKS_URL", "AUTH_ISSUER", "AUTH_AUDIENCE", "WS_MANAGEMENT_ENDPOINT"],
  reconciler: [...postgresAndSqs, ...everyQueue, "WS_MANAGEMENT_ENDPOINT", "RECONCILE_LOST_AFTER_SECONDS", "RECONCILE_STALLED_AFTER_SECONDS"],
  // batchctl on a deployed stage: the direct connection string, not the pooled one.
  operator: ["DATABASE_URL", "AWS_REGION", "WS_MANAGEMENT_ENDPOINT", ...everyQueue, "MEDIA_BUCKET"],
} as const satisfies Record<EnvironmentName, readonly VariableName[]>;

type ValueOf<V> = V extends { type: "integer" } ? number : V extends { type: "enum"; values: readonly (infer T)[] } ? T : string;
type MayBeUnset<V> = V extends { optional: true } ? true : false;

/** What a reader of environment `E` returns: each variable parsed, an optional one possibly undefined. */
export type EnvironmentConfig<E extends EnvironmentName> = {
  [N in (typeof environments)[E][number]]: MayBeUnset<(typeof variables)[N]> extends true
    ? ValueOf<(typeof variables)[N]> | undefined
    : ValueOf<(typeof variables)[N]>;
};

/**
 * An environment's variables with their values: `valueOf` says where each kind of source is found
 * (on AWS, locally); a variable it has no value for is left out, so the reader's default applies.
 */
export function buildEnvironment<T>(name: EnvironmentName, valueOf: (variable: Variable) => T | undefined): Record<string, T> {
  const environment: Record<string, T> = {};
  for (const variableName of environments[name]) {
    const value = valueOf(variables[variableName]);
    if (value !== undefined) environment[variableName] = value;
  }
  return environment;
}

/** The queue addresses a parsed environment holds: every queue whose URL and DLQ URL it names. */
export function queueAddressesIn(name: EnvironmentName, config: Partial<Record<VariableName, unknown>>): Partial<Record<QueueName, QueueAddress>> {
  const addresses: Partial<Record<QueueName, Partial<QueueAddress>>> = {};
  for (const variableName of environments[name]) {
    const variable: Variable = variables[variableName];
    const value = config[variableName];
    if (typeof value !== "string") continue;
    if (variable.from === "queueUrl") addresses[variable.queue] = { ...addresses[variable.queue], url: value };
    if (variable.from === "deadLetterQueueUrl") addresses[variable.queue] = { ...addresses[variable.queue], dlqUrl: value };
  }
  return Object.fromEntries(
    Object.entries(addresses).filter((entry): entry is [QueueName, QueueAddress] => entry[1].url !== undefined && entry[1].dlqUrl !== undefined),
  );
}

/** Every queue's address from a parsed environment that names them all (the reconciler's, an operator's). */
export function allQueueAddressesIn(name: EnvironmentName, config: Partial<Record<VariableName, unknown>>): Record<QueueName, QueueAddress> {
  const addresses = queueAddressesIn(name, config);
  const missing = QUEUE_NAMES.filter((queue) => !addresses[queue]);
  if (missing.length > 0) throw new Error(`the ${name} environment does not address ${missing.join(", ")}`);
  return addresses as Record<QueueName, QueueAddress>;
}
