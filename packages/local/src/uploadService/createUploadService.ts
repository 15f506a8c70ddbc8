import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { issueToken } from "@pipeline/adapters/auth";
import type { Sql } from "@pipeline/adapters/postgres";
import { describeError, InvalidTokenError, mapWithConcurrency, readBatch, type BatchReader, type Logger, type TokenVerifier } from "@pipeline/core";
import { objectKeys } from "@pipeline/wiring";
import { BatchIntake } from "./BatchIntake.js";
import { HttpError } from "./HttpError.js";
import { readMultipart, type MultipartLimits } from "./readMultipart.js";

export interface UploadServiceOptions {
  sql: Sql;
  s3: S3Client;
  bucket: string;
  sqs: SQSClient;
  batchesQueueUrl: string;
  tokens: TokenVerifier;
  reader: BatchReader;
  limits: MultipartLimits;
  logger: Logger;
  /** Signs demo tokens at POST /api/dev/token; the local stack's stand-in for an identity provider. */
  authSecret: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The upload service a real deployment has in front of the pipeline: it takes a user's files,
 * stores them, writes the batch and upload rows, and drops the one batch message.
 * Returns false for requests outside `/api/`.
 */
export function createUploadService(options: UploadServiceOptions) {
  const intake = new BatchIntake(options.sql);

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
    const files = await readMultipart(request, options.limits);
    const batchId = randomUUID();
    const stored = files.map((file) => {
      const uploadId = randomUUID();
      return { uploadId, filename: file.filename, key: `${objectKeys.uploadsPrefix}${userId}/${batchId}/${uploadId}`, size: file.data.length, mimeType: file.mimeType, data: file.data };
    });
    await mapWithConcurrency(stored, 8, (file) =>
      options.s3.send(new PutObjectCommand({ Bucket: options.bucket, Key: file.key, Body: file.data, ContentType: file.mimeType })),
    );
    await intake.create(batchId, userId, stored);
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
    if (!UUID.test(batchId) || !UUID.test(uploadId)) throw new HttpError(400, "bad_id", "batch and upload ids are UUIDs");
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
      const userId = query.get("userId") ?? "demo-user";
      if (!/^[\w.@-]{1,64}$/.test(userId)) throw new HttpError(400, "bad_user", "userId may hold letters, digits and ._@- (at most 64)");
      return { status: 200, body: { userId, token: await issueToken(options.authSecret, userId, 12 * 3600) } };
    }
    if (path === "/api/batches" && method === "POST") return createBatch(request);
    if (path === "/api/batches" && method === "GET") {
      const userId = await authenticate(request);
      return { status: 200, body: { batches: await options.reader.listForUser(userId, 50) } };
    }
    const match = /^\/api\/batches\/([^/]+)$/.exec(path);
    if (match && method === "GET") {
      const userId = await authenticate(request);
      const batchId = match[1] ?? "";
      const after = query.get("after");
      if (!UUID.test(batchId) || (after !== null && !UUID.test(after))) throw new HttpError(400, "bad_id", "batch ids and cursors are UUIDs");
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
