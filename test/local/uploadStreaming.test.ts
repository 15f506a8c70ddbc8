import { readdir } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { issueToken, JwtTokenVerifier } from "@pipeline/adapters/auth";
import { PostgresBatchReader } from "@pipeline/adapters/postgres";
import { ownerKeySegment, type UploadProcessor } from "@pipeline/core";
import { createUploadService, type LocalStack } from "@pipeline/local";
import { wiring } from "@pipeline/wiring";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { multipartStream, postStream } from "../support/multipartStream.js";
import { startTestStack, type TestStack } from "../support/startTestStack.js";
import { waitFor } from "../support/waitFor.js";

const MiB = 1024 * 1024;
/** What the worker accepts and the docs advertise. */
const ADVERTISED_FILE_BYTES = wiring.worker.maxUploadBytes;
/** A PNG signature and IHDR chunk: the file starts as an image would, the rest is padding. */
const PNG_HEAD = Buffer.from("89504e470d0a1a0a0000000d494844520000000100000001080600000000", "hex");

/** The processing step is not under test: every upload completes at once. */
const noProcessing: UploadProcessor = { process: async () => ({ description: null, thumbnailPath: null, metadata: null, embedding: null }) };

describe("the upload service streams files to S3 and leaves nothing behind a failed request", () => {
  let testStack: TestStack;
  let stack: LocalStack;
  let s3: S3Client;

  beforeAll(async () => {
    // A 50 MiB file and its multipart framing fit; 52 MiB of body does not.
    testStack = await startTestStack({ runtime: "in-process", processor: noProcessing, uploadLimits: { maxRequestBytes: 52 * MiB } });
    stack = testStack.stack;
    s3 = new S3Client({ region: stack.endpoints.region, endpoint: stack.endpoints.s3Endpoint, forcePathStyle: true, credentials: stack.endpoints.credentials });
  });
  afterAll(async () => {
    s3?.destroy();
    await testStack?.close();
  });

  const tokenFor = (userId: string) => issueToken(stack.endpoints.authSecret, userId, 600);
  const post = async (userId: string, body: AsyncIterable<Buffer>, abortAfter?: Promise<unknown>) =>
    postStream(`${stack.endpoints.httpUrl}/api/batches`, { authorization: `Bearer ${await tokenFor(userId)}` }, body, abortAfter);
  const objectsOf = async (userId: string) => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: stack.endpoints.bucket, Prefix: `uploads/${await ownerKeySegment(userId)}/` }));
    return (listed.Contents ?? []).map((object) => object.Key);
  };
  /** Multipart uploads begun and neither completed nor aborted (fauxqs keeps one folder each). */
  const openMultipartUploads = async () => (await readdir(join(testStack.dir, "objects", "_multipart")).catch(() => [])).length;

  it("stores a file of the advertised 50 MiB limit, streamed in", async () => {
    // Act
    const response = await post("big-file", multipartStream([{ filename: "large.png", size: ADVERTISED_FILE_BYTES, head: PNG_HEAD }]));

    // Assess
    expect(response?.status).toBe(201);
    const { batchId, uploads } = response?.body as { batchId: string; uploads: Array<{ uploadId: string; size: number }> };
    expect(uploads).toEqual([expect.objectContaining({ size: ADVERTISED_FILE_BYTES })]);
    const key = `uploads/${await ownerKeySegment("big-file")}/${batchId}/${uploads[0]?.uploadId}`;
    const head = await s3.send(new HeadObjectCommand({ Bucket: stack.endpoints.bucket, Key: key }));
    expect(head.ContentLength).toBe(ADVERTISED_FILE_BYTES);
    expect(await openMultipartUploads()).toBe(0);
  });

  it("a request over its byte limit mid-file: 413, and neither the finished file nor the unfinished one is kept", async () => {
    // Act: the first file is stored whole, the second is in its multipart upload when the body passes 52 MiB.
    const response = await post("over-the-cap", multipartStream([{ filename: "first.png", size: 20 * MiB }, { filename: "second.png", size: 40 * MiB }]));

    // Assess
    expect(response).toMatchObject({ status: 413, body: { error: "request_too_large", message: expect.stringContaining(String(52 * MiB)) } });
    expect(await objectsOf("over-the-cap")).toEqual([]);
    expect(await openMultipartUploads()).toBe(0);
  });

  it("a client that goes away mid-file leaves no object and no multipart upload", async () => {
    // Prepare: abort once the first file is stored and the second one's multipart upload has begun.
    const midUpload = waitFor(async () => (await objectsOf("goes-away")).length === 1 && (await openMultipartUploads()) > 0, 60_000, "a stored file and a multipart upload under way");

    // Act
    const response = await post("goes-away", multipartStream([{ filename: "first.png", size: 1 * MiB }, { filename: "second.png", size: 40 * MiB }]), midUpload);

    // Assess
    expect(response).toBeUndefined();
    await waitFor(async () => (await objectsOf("goes-away")).length === 0 && (await openMultipartUploads()) === 0, 20_000, "the request's objects and multipart upload removed");
  });

  it("a body cut short: 400, nothing kept", async () => {
    // Act
    const response = await post("cut-short", multipartStream([{ filename: "first.png", size: 1024 }, { filename: "second.png", size: 6 * MiB }], { end: false }));

    // Assess
    expect(response).toMatchObject({ status: 400, body: { error: "bad_multipart", message: expect.stringContaining("Unexpected end of form") } });
    expect(await objectsOf("cut-short")).toEqual([]);
    expect(await openMultipartUploads()).toBe(0);
  });

  it("a storage error mid-request: 503, and the files stored before it are removed", async () => {
    // Prepare: an upload service on the stack's engines whose S3 client fails the third PutObject.
    const faulty = new S3Client({ region: stack.endpoints.region, endpoint: stack.endpoints.s3Endpoint, forcePathStyle: true, credentials: stack.endpoints.credentials });
    let puts = 0;
    faulty.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "PutObjectCommand" && ++puts === 3) throw new Error("injected storage failure");
        return next(args);
      },
      { step: "initialize", name: "injectStorageFailure" },
    );
    const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
    const service = createUploadService({
      sql: stack.pipeline.sql,
      s3: faulty,
      bucket: stack.endpoints.bucket,
      sqs: stack.pipeline.sqs,
      batchesQueueUrl: stack.queues.batches.url,
      progressQueueUrl: stack.queues.progress.url,
      tokens: new JwtTokenVerifier(stack.endpoints.authSecret),
      reader: new PostgresBatchReader(stack.pipeline.sql),
      logger: quiet,
      authSecret: stack.endpoints.authSecret,
    });
    const server = createServer((request, response) => void service(request, response));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/batches`;
    const files = [1, 2, 3, 4].map((n) => ({ filename: `${n}.png`, size: 64 * 1024, head: PNG_HEAD }));

    try {
      // Act
      const response = await postStream(url, { authorization: `Bearer ${await tokenFor("storage-fails")}` }, multipartStream(files));

      // Assess
      expect(response).toMatchObject({ status: 503, body: { error: "upload_failed" } });
      expect(puts).toBeGreaterThanOrEqual(3);
      expect(await objectsOf("storage-fails")).toEqual([]);
      const { rows } = await stack.pipeline.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM uploads WHERE user_id = $1", ["storage-fails"]);
      expect(rows[0]?.n).toBe(0);
    } finally {
      faulty.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it.each([
    ["..", "a parent-directory subject"],
    ["alice/evil", "a subject that would nest under alice's prefix"],
    ["ålice 😀", "a unicode subject"],
  ])("keys hold no raw subject: %j (%s), and file names keep no path", async (userId) => {
    // Prepare
    const form = new FormData();
    form.append("files", new Blob([PNG_HEAD], { type: "image/png" }), "../../etc/passwd");

    // Act
    const response = await fetch(`${stack.endpoints.httpUrl}/api/batches`, { method: "POST", body: form, headers: { authorization: `Bearer ${await tokenFor(userId)}` } });

    // Assess
    expect(response.status).toBe(201);
    const { batchId, uploads } = (await response.json()) as { batchId: string; uploads: Array<{ uploadId: string; filename: string }> };
    expect(uploads[0]?.filename).toBe("passwd");
    const key = `uploads/${await ownerKeySegment(userId)}/${batchId}/${uploads[0]?.uploadId}`;
    expect(key).toMatch(/^uploads\/[0-9a-f]{64}\/[0-9a-f-]{36}\/[0-9a-f-]{36}$/);
    const { rows } = await stack.pipeline.sql.query<{ file_path: string; filename: string }>("SELECT file_path, filename FROM uploads WHERE batch_id = $1", [batchId]);
    expect(rows).toEqual([{ file_path: key, filename: "passwd" }]);
    const head = await s3.send(new HeadObjectCommand({ Bucket: stack.endpoints.bucket, Key: key }));
    expect(head.Metadata).toEqual({ filename: "passwd" });
    const alicePrefix = `uploads/${await ownerKeySegment("alice")}/`;
    expect(key.startsWith(alicePrefix)).toBe(false);
  });
});
