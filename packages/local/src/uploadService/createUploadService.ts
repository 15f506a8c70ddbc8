import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { issueToken } from "@pipeline/adapters/auth";
import type { Sql } from "@pipeline/adapters/postgres";
import { describeError, InvalidTokenError, isUuid, readBatch, uploadObjectKey, type BatchReader, type Logger, type TokenVerifier } from "@pipeline/core";
import { assertLocalCaller } from "./assertLocalCaller.js";
import { BatchIntake, type IntakeFile } from "./BatchIntake.js";
import { NewBatchFlowFields, parseFlowChange } from "./flowRequests.js";
import { HttpError } from "./HttpError.js";
import { OwnerControls } from "./OwnerControls.js";
import { readJsonBody } from "./readJsonBody.js";
import { receiveFiles } from "./receiveFiles.js";
import { RequestObjects } from "./RequestObjects.js";
import { uploadLimits, type UploadLimits } from "./uploadLimits.js";

export interface UploadServiceOptions {
  sql: Sql;
  s3: S3Client;
  bucket: string;
  sqs: SQSClient;
  batchesQueueUrl: string;
  /** Where pause, resume, cancel and flow changes ask the finalizer to push the batch's new state. */
  progressQueueUrl: string;
  tokens: TokenVerifier;
  reader: BatchReader;
  /** What one request may hold; `DEFAULT_UPLOAD_LIMITS` for what is not given. */
  limits?: Partial<UploadLimits>;
  logger: Logger;
  /**
   * Signs demo tokens at POST /api/dev/token: the local stack's stand-in for an identity provider,
   * answering only loopback callers of the stack's own origin (`assertLocalCaller`).
   */
  authSecret: string;
}

/** A batch id from the path: a UUID, or 400 as the GET routes answer. */
function checkedBatchId(value: string | undefined): string {
  if (!value || !isUuid(value)) throw new HttpError(400, "bad_id", "batch ids are UUIDs");
  return value;
}

/**
 * The upload service a real deployment has in front of the pipeline: it takes a user's files,
 * stores them, writes the batch and upload rows, and drops the one batch message. The batch's
 * owner may pause, resume, cancel it and change its window or priority while it runs.
 * Returns false for requests outside `/api/`.
 */
export function createUploadService(options: UploadServiceOptions) {
  const intake = new BatchIntake(options.sql);
  const limits = uploadLimits(options.limits);
  const controls = new OwnerControls(options);

  const authenticate = async (request: IncomingMessage, query?: URLSearchParams): Promise<string> => {
    const header = request.headers.authorization ?? "";
    // Images in a page cannot send headers: thumbnails also take the token as a query parameter.
    const token = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : (query?.get("token") ?? undefined);
    try {
      return (await options.tokens.verify(token)).userId;
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new HttpError(401, "unauthorized", error.message);
      throw error;
    }
  };

  const createBatch = async (request: IncomingMessage) => {
    const userId = await authenticate(request);
    const batchId = randomUUID();
    const objects = new RequestObjects(options.s3, options.bucket);
    const flow = new NewBatchFlowFields();
    let stored: IntakeFile[];
    try {
      stored = await receiveFiles(
        request,
        limits,
        async (file) => {
          const uploadId = randomUUID();
          const key = await uploadObjectKey(userId, batchId, uploadId);
          await objects.write({ key, body: file.stream, contentType: file.mimeType, metadata: { filename: encodeURIComponent(file.filename) } });
          return { uploadId, filename: file.filename, key, size: file.size(), mimeType: file.mimeType };
        },
        (name, value) => flow.accept(name, value),
      );
      await intake.create(batchId, userId, stored, flow.value);
    } catch (error) {
      // Whatever failed (a limit, a malformed body, the client, storage, the database), the request
      // leaves nothing behind: receiveFiles settles every write before it rejects.
      await objects.discard().catch((discardError: unknown) => options.logger.error("objects of a failed upload could not be removed", { batchId, error: describeError(discardError) }));
      if (error instanceof HttpError) throw error;
      options.logger.error("upload failed", { batchId, error: describeError(error) });
      throw new HttpError(503, "upload_failed", "the files could not be stored; nothing was kept: try again");
    }
    // After the commit: the batch message never names rows that might still roll back.
    await options.sqs.send(new SendMessageCommand({ QueueUrl: options.batchesQueueUrl, MessageBody: JSON.stringify({ batchId }) }));
    options.logger.info("batch submitted", { batchId, userId, uploads: stored.length });
    return {
      status: 201,
      body: { batchId, total: stored.length, uploads: stored.map(({ uploadId, filename, size }) => ({ uploadId, filename, size })) },
    };
  };

  const thumbnail = async (request: IncomingMessage, response: ServerResponse, batchId: string, uploadId: string, query: URLSearchParams) => {
    const userId = await authenticate(request, query);
    if (!isUuid(batchId) || !isUuid(uploadId)) throw new HttpError(400, "bad_id", "batch and upload ids are UUIDs");
    const found = await options.reader.thumbnail(batchId, uploadId);
    if (!found || found.userId !== userId) throw new HttpError(404, "not_found", "no thumbnail for that upload");
    const object = await options.s3.send(new GetObjectCommand({ Bucket: options.bucket, Key: found.key }));
    response.writeHead(200, { "content-type": object.ContentType ?? "image/webp", "cache-control": "private, max-age=3600" });
    response.end(Buffer.from(await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()));
  };

  const route = async (request: IncomingMessage, path: string, query: URLSearchParams): Promise<{ status: number; body: unknown }> => {
    const method = request.method ?? "GET";
    if (path === "/api/health" && method === "GET") return { status: 200, body: { ok: true } };
    if (path === "/api/dev/token" && method === "POST") {
      assertLocalCaller(request);
      const userId = query.get("userId") ?? "demo-user";
      if (!/^[\w.@-]{1,64}$/.test(userId)) throw new HttpError(400, "bad_user", "userId may hold letters, digits and ._@- (at most 64)");
      return { status: 200, body: { userId, token: await issueToken(options.authSecret, userId, 12 * 3600) } };
    }
    if (path === "/api/batches" && method === "POST") return createBatch(request);
    if (path === "/api/batches" && method === "GET") {
      const userId = await authenticate(request);
      return { status: 200, body: { batches: await options.reader.listForUser(userId, 50) } };
    }
    const control = /^\/api\/batches\/([^/]+)\/(pause|resume|cancel)$/.exec(path);
    if (control && method === "POST") {
      const userId = await authenticate(request);
      // These take no body: whatever was sent is read and dropped.
      request.resume();
      const batchId = checkedBatchId(control[1]);
      if (control[2] === "pause") return { status: 200, body: await controls.pause(userId, batchId) };
      if (control[2] === "resume") return { status: 200, body: await controls.resume(userId, batchId) };
      return { status: 200, body: await controls.cancel(userId, batchId) };
    }
    const match = /^\/api\/batches\/([^/]+)$/.exec(path);
    if (match && method === "PATCH") {
      const userId = await authenticate(request);
      const batchId = checkedBatchId(match[1]);
      const change = parseFlowChange(await readJsonBody(request));
      return { status: 200, body: await controls.change(userId, batchId, change) };
    }
    if (match && method === "GET") {
      const userId = await authenticate(request);
      const batchId = match[1] ?? "";
      const after = query.get("after");
      if (!isUuid(batchId) || (after !== null && !isUuid(after))) throw new HttpError(400, "bad_id", "batch ids and cursors are UUIDs");
      const page = await readBatch(options.reader, userId, batchId, { after, limit: Number(query.get("limit") ?? 500) || 500 });
      if (!page) throw new HttpError(404, "not_found", `no batch ${batchId}`);
      return { status: 200, body: page };
    }
    throw new HttpError(404, "not_found", `no route ${method} ${path}`);
  };

  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const url = new URL(request.url ?? "/", "http://uploads");
    if (!url.pathname.startsWith("/api/")) return false;
    let result: { status: number; body: unknown };
    try {
      const image = /^\/api\/batches\/([^/]+)\/uploads\/([^/]+)\/thumbnail$/.exec(url.pathname);
      if (image && request.method === "GET") {
        await thumbnail(request, response, image[1] ?? "", image[2] ?? "", url.searchParams);
        return true;
      }
      result = await route(request, url.pathname, url.searchParams);
    } catch (error) {
      if (error instanceof HttpError) result = { status: error.status, body: { error: error.code, message: error.message } };
      else {
        options.logger.error("upload service request failed", { path: url.pathname, error: describeError(error) });
        result = { status: 500, body: { error: "internal", message: "internal error" } };
      }
      request.resume();
    }
    response.writeHead(result.status, { "content-type": "application/json", "cache-control": "no-store" });
    response.end(JSON.stringify(result.body));
    return true;
  };
}
