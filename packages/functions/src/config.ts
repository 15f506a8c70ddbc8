import { DEFAULT_MAX_UPLOAD_BYTES } from "@pipeline/media";
import { wiring } from "@pipeline/wiring";
import { z } from "zod";

const url = z.url();

const common = {
  DATABASE_URL: z.string().min(1, "DATABASE_URL is required"),
  /** host:port of the local WebSocket-to-TCP proxy in front of Postgres; unset on AWS. */
  PG_LOCAL_WS_PROXY: z.string().optional(),
  AWS_REGION: z.string().default("us-east-1"),
  /** Endpoint override for a local SQS engine; unset on AWS. */
  SQS_ENDPOINT: url.optional(),
};

const fanoutSchema = z.object({
  ...common,
  BATCHES_QUEUE_URL: url,
  BATCHES_DLQ_URL: url,
  UPLOADS_QUEUE_URL: url,
  PROGRESS_QUEUE_URL: url,
});

const workerShape = {
  ...common,
  UPLOADS_QUEUE_URL: url,
  UPLOADS_DLQ_URL: url,
  PROGRESS_QUEUE_URL: url,
  /** Endpoint override for a local S3 engine (path-style, local credentials); unset on AWS. */
  S3_ENDPOINT: url.optional(),
  /** An Ollama-compatible server; unset means the built-in deterministic AI. */
  AI_BASE_URL: url.optional(),
  AI_VISION_MODEL: z.string().min(1).default("llava"),
  /** mxbai-embed-large answers with 1024 floats. */
  AI_EMBEDDING_MODEL: z.string().min(1).default("mxbai-embed-large"),
  /** Per AI request; retries come on top, within the invocation's time. */
  AI_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** Larger uploads fail permanently. */
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(DEFAULT_MAX_UPLOAD_BYTES),
};

/** The media and AI step: reads uploads from MEDIA_BUCKET and writes thumbnails there. */
const workerSchema = z.object({ ...workerShape, MEDIA_BUCKET: z.string({ error: "MEDIA_BUCKET is required" }).min(1) });

const finalizerSchema = z.object({
  ...common,
  PROGRESS_QUEUE_URL: url,
  PROGRESS_DLQ_URL: url,
  /** The WebSocket API's management endpoint: https://{api-id}.execute-api.{region}.amazonaws.com/{stage}. */
  WS_MANAGEMENT_ENDPOINT: url,
});

const webSocketSchema = z.object({
  ...common,
  /** HS256 key for client tokens; at least 32 characters. */
  AUTH_SECRET: z.string().min(32, "AUTH_SECRET must be at least 32 characters"),
  WS_MANAGEMENT_ENDPOINT: url,
});

const reconcilerSchema = z.object({
  ...common,
  BATCHES_QUEUE_URL: url,
  BATCHES_DLQ_URL: url,
  UPLOADS_QUEUE_URL: url,
  UPLOADS_DLQ_URL: url,
  PROGRESS_QUEUE_URL: url,
  PROGRESS_DLQ_URL: url,
  WS_MANAGEMENT_ENDPOINT: url,
  /** Overrides of the wiring's thresholds (`wiring.reconciler`), for an operator who must tune one stage. */
  RECONCILE_LOST_AFTER_SECONDS: z.coerce.number().int().min(1).default(wiring.reconciler.lostAfterSeconds),
  RECONCILE_STALLED_AFTER_SECONDS: z.coerce.number().int().min(1).default(wiring.reconciler.stalledAfterSeconds),
});

export type FanoutConfig = z.infer<typeof fanoutSchema>;
export type WorkerConfig = z.infer<typeof workerSchema>;
export type FinalizerConfig = z.infer<typeof finalizerSchema>;
export type WebSocketConfig = z.infer<typeof webSocketSchema>;
export type ReconcilerConfig = z.infer<typeof reconcilerSchema>;

/** Thrown at cold start when the environment is incomplete: the message names every missing setting. */
export class ConfigurationError extends Error {
  override readonly name = "ConfigurationError";
}

function read<S extends z.ZodType>(name: string, schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new ConfigurationError(`${name} configuration is invalid: ${problems}`);
  }
  return parsed.data;
}

export const readFanoutConfig = (env: Record<string, string | undefined> = process.env) => read("fan-out", fanoutSchema, env);
export const readWorkerConfig = (env: Record<string, string | undefined> = process.env) => read("worker", workerSchema, env);
export const readFinalizerConfig = (env: Record<string, string | undefined> = process.env) => read("finalizer", finalizerSchema, env);
export const readWebSocketConfig = (env: Record<string, string | undefined> = process.env) => read("websocket", webSocketSchema, env);
export const readReconcilerConfig = (env: Record<string, string | undefined> = process.env) => read("reconciler", reconcilerSchema, env);
