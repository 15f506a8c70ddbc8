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

const workerSchema = z.object({
  ...common,
  UPLOADS_QUEUE_URL: url,
  UPLOADS_DLQ_URL: url,
  PROGRESS_QUEUE_URL: url,
  PROCESSOR_LATENCY_MS: z.coerce.number().int().min(0).default(0),
});

const finalizerSchema = z.object({
  ...common,
  PROGRESS_QUEUE_URL: url,
  PROGRESS_DLQ_URL: url,
  /** The WebSocket API's management endpoint: https://{api-id}.execute-api.{region}.amazonaws.com/{stage}. */
  WS_MANAGEMENT_ENDPOINT: url,
});

export type FanoutConfig = z.infer<typeof fanoutSchema>;
export type WorkerConfig = z.infer<typeof workerSchema>;
export type FinalizerConfig = z.infer<typeof finalizerSchema>;

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
