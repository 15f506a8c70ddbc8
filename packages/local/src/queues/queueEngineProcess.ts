/**
 * The SQS and S3 engine's own process: fauxqs with its state on disk, started by
 * startQueueEngine and told what to serve over the IPC channel (the stack's key pair travels there,
 * not in the command line `ps` shows). It stops when asked (SIGTERM) or when its parent is gone
 * (the channel closes), so no engine outlives its stack.
 */
import { subscribe } from "node:diagnostics_channel";
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { startFauxqs } from "fauxqs";
import { readWithinBytes } from "@pipeline/core";
import type { LocalCredentials } from "../auth/LocalCredentials.js";
import { signatureErrorResponse } from "../auth/signatureErrors.js";
import { SignatureVerifier } from "../auth/verifySignature.js";

export interface QueueEngineProcessOptions {
  port: number;
  dataDir: string;
  s3StorageDir: string;
  /** Every request must be signed (SigV4) with this key pair. */
  credentials: LocalCredentials;
}

/** What the parent may ask over the channel: start, and the SQS requests served so far, by action. */
export type QueueEngineQuestion = { type: "start"; options: QueueEngineProcessOptions } | { type: "requests" };
export type QueueEngineAnswer = { type: "started"; port: number } | { type: "requests"; counts: Record<string, number> };

/** fauxqs's own body limit: large enough for a multipart part. */
const MAX_BODY_BYTES = 11 * 1024 * 1024;

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
  if (question.type === "start") void start(question.options);
});

let stopping = false;
let stopEngine: (() => Promise<void>) | undefined;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await stopEngine?.();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("disconnect", () => void stop());

/** What the signature check reads of fauxqs's (Fastify's) request and reply. */
interface EngineRequest {
  method: string;
  originalUrl: string;
  headers: IncomingHttpHeaders;
}
interface EngineReply {
  code(status: number): EngineReply;
  headers(values: Record<string, string>): EngineReply;
  send(body: string): unknown;
}

async function start(options: QueueEngineProcessOptions): Promise<void> {
  const verifier = new SignatureVerifier({ credentials: options.credentials, services: ["sqs", "s3"] });
  // Runs before fauxqs parses a body (Fastify's preParsing): a refused request reaches no handler.
  const checkSignature = async (request: EngineRequest, reply: EngineReply, payload: NodeJS.ReadableStream) => {
    let body: Buffer | undefined;
    const rejection = await verifier.verify({ method: request.method, url: request.originalUrl, headers: request.headers }, async () => (body = await readAll(payload)));
    if (rejection) {
      const refusal = signatureErrorResponse(isSqsRequest(request.headers) ? "sqs" : "s3", rejection);
      reply.code(refusal.status).headers(refusal.headers).send(refusal.body);
      return undefined;
    }
    // The body was read to hash it: fauxqs's parsers get it again, whole.
    return body ? Object.assign(Readable.from([body]), { receivedEncodedLength: body.length }) : payload;
  };
  const engine = await startFauxqs({
    port: options.port,
    logger: false,
    dataDir: options.dataDir,
    s3StorageDir: options.s3StorageDir,
    // As on AWS, every request (the inspection endpoint too) is signed with the stack's key: a web
    // page or another user of the machine gets a 403, never a queue or an object.
    configure: (app) => app.addHook("preParsing", checkSignature),
  });
  stopEngine = () => engine.stop();
  answer({ type: "started", port: engine.port });
}

function isSqsRequest(headers: IncomingHttpHeaders): boolean {
  return headers["x-amz-target"] !== undefined || (headers["content-type"] ?? "").includes("x-amz-json") || (headers.authorization ?? "").includes("/sqs/aws4_request");
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const bytes = await readWithinBytes(stream as AsyncIterable<Uint8Array>, MAX_BODY_BYTES);
  if (!bytes) throw Object.assign(new Error(`request body over ${MAX_BODY_BYTES} bytes`), { statusCode: 413 });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
