import { PutObjectCommand } from "@aws-sdk/client-s3";
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { UploadProcessor } from "@pipeline/core";
import { buildWorkerDeps, ConfigurationError, createWorkerHandler, readWorkerConfig, type WorkerDeps } from "@pipeline/functions";
import { MediaUploadProcessor } from "@pipeline/media";
import { batchState, createLambdaContext, seedBatch, toSqsEvent } from "@pipeline/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecordingLogger } from "../support/RecordingLogger.js";
import { FakeOllama } from "./fakeOllama.js";
import { makeImage } from "./mediaFiles.js";
import { startS3Engine, type S3Engine } from "./s3Engine.js";
import { startUploadsDatabase, type UploadsDatabase } from "./uploadsDatabase.js";

const REGION = "us-east-1";

describe("the worker built from its environment runs the media step", () => {
  let engine: S3Engine;
  let db: UploadsDatabase;
  let ollama: FakeOllama;
  let sqs: SQSClient;
  let env: Record<string, string>;

  beforeAll(async () => {
    [engine, db, ollama] = await Promise.all([startS3Engine(), startUploadsDatabase(), FakeOllama.start()]);
    // fauxqs serves SQS on the same port as S3.
    sqs = new SQSClient({ region: REGION, endpoint: engine.endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    const queueUrl = async (name: string) => (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl ?? "";
    env = {
      // The pool reaches the handler through the infrastructure; this only satisfies the schema.
      DATABASE_URL: "postgres://provided-by-infrastructure",
      UPLOADS_QUEUE_URL: await queueUrl("uploads"),
      UPLOADS_DLQ_URL: await queueUrl("uploads-dlq"),
      PROGRESS_QUEUE_URL: await queueUrl("progress"),
      S3_ENDPOINT: engine.endpoint,
      MEDIA_BUCKET: engine.bucket,
    };
  });
  afterAll(async () => {
    sqs?.destroy();
    await ollama?.close();
    await db?.close();
    await engine?.stop();
  });

  const build = (extra: Record<string, string> = {}, overrides: Partial<WorkerDeps> = {}) =>
    buildWorkerDeps(readWorkerConfig({ ...env, ...extra }), { sql: db.pool, sqs, logger: new RecordingLogger() }, overrides);

  /** Seeds a started batch whose uploads point at the given objects, stored in S3 first. */
  async function batchOf(files: Array<{ filename: string; bytes: Buffer }>) {
    const batchId = await seedBatch(db.pool, { userId: "e2e-user", uploads: files.length });
    await db.pool.query("UPDATE upload_batches SET status = 'processing' WHERE id = $1", [batchId]);
    const { rows } = await db.pool.query<{ id: string }>("SELECT id FROM uploads WHERE batch_id = $1 ORDER BY id", [batchId]);
    const uploads = await Promise.all(
      rows.map(async ({ id }, index) => {
        const file = files[index]!;
        const key = `uploads/${batchId}/${id}/${file.filename}`;
        await engine.client.send(new PutObjectCommand({ Bucket: engine.bucket, Key: key, Body: file.bytes }));
        await db.pool.query("UPDATE uploads SET file_path = $2, filename = $3 WHERE id = $1", [id, key, file.filename]);
        return id;
      }),
    );
    return { batchId, uploadIds: uploads };
  }

  async function invokeWorker(deps: WorkerDeps, batchId: string, uploadIds: string[]) {
    const messages = uploadIds.map((uploadId, index) => ({
      MessageId: `m-${index}`,
      ReceiptHandle: `r-${index}`,
      Body: JSON.stringify({ batchId, uploadId }),
      Attributes: { ApproximateReceiveCount: "1" },
    }));
    const context = createLambdaContext({ functionName: "worker", timeoutMillis: 60_000, memoryMb: 1024, region: REGION });
    return createWorkerHandler(deps)(toSqsEvent(messages, "arn:aws:sqs:us-east-1:000000000000:uploads", REGION), context);
  }

  async function uploadRow(uploadId: string) {
    const { rows } = await db.pool.query<Record<string, unknown>>("SELECT processing_status, thumbnail_path, description, embedding, error_message FROM uploads WHERE id = $1", [uploadId]);
    return rows[0];
  }

  it("defaults to the media processor with the built-in AI: a photo completes, a text file fails permanently, each counted once", async () => {
    // Prepare
    const deps = build();
    const { batchId, uploadIds } = await batchOf([
      { filename: "photo.jpg", bytes: await makeImage("jpeg") },
      { filename: "readme.jpg", bytes: Buffer.from("not a picture at all, just words\n".repeat(10)) },
    ]);
    const [photoId, textId] = uploadIds as [string, string];

    // Act
    const response = await invokeWorker(deps, batchId, uploadIds);

    // Assess
    expect(deps.processor).toBeInstanceOf(MediaUploadProcessor);
    expect(response.batchItemFailures).toEqual([]);
    expect(await uploadRow(photoId)).toMatchObject({
      processing_status: "completed",
      thumbnail_path: `thumbnails/${photoId}.webp`,
      description: "[offline] 640×480 JPEG image",
      error_message: null,
    });
    expect((await uploadRow(photoId))?.embedding).toHaveLength(64);
    expect(await uploadRow(textId)).toMatchObject({ processing_status: "failed", error_message: expect.stringMatching(/^file content is not a recognised image or video/) });
    expect(await batchState(db.pool, batchId)).toMatchObject({ processed: 2, successful: 1, failed: 1 });
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: env.PROGRESS_QUEUE_URL, MaxNumberOfMessages: 10 }));
    expect(Messages.map((message) => JSON.parse(message.Body ?? "{}"))).toContainEqual(expect.objectContaining({ batchId }));
  });

  it("asks the configured Ollama-compatible server when AI_BASE_URL is set", async () => {
    const deps = build({ AI_BASE_URL: ollama.baseUrl, AI_VISION_MODEL: "llava:13b", AI_EMBEDDING_MODEL: "bge-m3" });
    const { batchId, uploadIds } = await batchOf([{ filename: "photo.png", bytes: await makeImage("png") }]);

    await invokeWorker(deps, batchId, uploadIds);

    expect(await uploadRow(uploadIds[0]!)).toMatchObject({ processing_status: "completed", description: "A red square crossed by a blue diagonal line." });
    expect(ollama.requests.map((request) => [request.path, request.body.model])).toEqual([
      ["/api/generate", "llava:13b"],
      ["/api/embed", "bge-m3"],
    ]);
  });

  it("uses the media step unless given a processor, and needs its bucket", () => {
    const explicit: UploadProcessor = { process: async () => ({ description: null, thumbnailPath: null, metadata: null, embedding: null }) };

    expect(build().processor).toBeInstanceOf(MediaUploadProcessor);
    expect(build({}, { processor: explicit }).processor).toBe(explicit);
    expect(() => readWorkerConfig({ ...env, MEDIA_BUCKET: undefined } as Record<string, string | undefined>)).toThrow(ConfigurationError);
  });
});
