/**
 * The SQS and S3 engine's own process: fauxqs with its state on disk, started by
 * startQueueEngine and told where it listens over the IPC channel. It stops when asked (SIGTERM) or
 * when its parent is gone (the channel closes), so no engine outlives its stack.
 */
import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import { startFauxqs } from "fauxqs";

export interface QueueEngineProcessOptions {
  port: number;
  dataDir: string;
  s3StorageDir: string;
}

/** What the parent may ask over the channel: the SQS requests served so far, by action. */
export type QueueEngineQuestion = { type: "requests" };
export type QueueEngineAnswer = { type: "started"; port: number } | { type: "requests"; counts: Record<string, number> };

const options = JSON.parse(process.argv[2] ?? "{}") as QueueEngineProcessOptions;

// Every request this process's HTTP server receives, before its handler runs; the SQS JSON protocol
// names the action in X-Amz-Target (`AmazonSQS.ReceiveMessage`), S3 requests carry none.
const requests = new Map<string, number>();
subscribe("http.server.request.start", (message) => {
  const target = (message as { request: IncomingMessage }).request.headers["x-amz-target"];
  if (typeof target !== "string") return;
  const action = target.slice(target.indexOf(".") + 1);
  requests.set(action, (requests.get(action) ?? 0) + 1);
});
const answer = (message: QueueEngineAnswer) => process.send?.(message);
process.on("message", (question: QueueEngineQuestion) => {
  if (question.type === "requests") answer({ type: "requests", counts: Object.fromEntries(requests) });
});

const engine = await startFauxqs({ port: options.port, logger: false, dataDir: options.dataDir, s3StorageDir: options.s3StorageDir });
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await engine.stop();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("disconnect", () => void stop());
answer({ type: "started", port: engine.port });
