import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { UploadProcessor } from "@pipeline/core";
import { buildWorkerDeps, ConfigurationError, readWorkerConfig, type WorkerDeps } from "@pipeline/functions";
import { PipelineClient, type LocalStack, type StageSecrets } from "@pipeline/local";
import { MediaUploadProcessor } from "@pipeline/media";
import { batchState } from "@pipeline/testkit";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecordingLogger } from "../support/RecordingLogger.js";
import { startTestStack, type TestStack } from "../support/startTestStack.js";
import { waitFor } from "../support/waitFor.js";
import { FakeOllama } from "./fakeOllama.js";
import { makeImage } from "./mediaFiles.js";
import { startS3Engine, type S3Engine } from "./s3Engine.js";
import { startUploadsDatabase, type UploadsDatabase } from "./uploadsDatabase.js";

const REGION = "us-east-1";

/** A stack whose worker containers run the deployed bundle's media step, with the stage's secrets given. */
function workerStack(secrets: () => StageSecrets) {
  const running = { stack: undefined as unknown as LocalStack, s3: undefined as unknown as S3Client };
  let testStack: TestStack | undefined;
  beforeAll(async () => {
    testStack = await startTestStack({ secrets: secrets() });
    running.stack = testStack.stack;
    running.s3 = new S3Client({ region: REGION, endpoint: running.stack.endpoints.s3Endpoint, forcePathStyle: true, credentials: running.stack.endpoints.credentials });
  });
  afterAll(async () => {
    running.s3?.destroy();
    await testStack?.close();
  });
  return running;
}

/** Submits `files` through the upload service and waits for the batch to complete; its uploads by filename. */
async function processThroughStack(stack: LocalStack, files: Array<{ filename: string; bytes: Buffer }>) {
  const client = await PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, "worker-e2e");
  const { batchId } = await client.submit(files.map((file) => ({ filename: file.filename, type: "image/jpeg", data: file.bytes })));
  const state = await waitFor(async () => {
    const current = await batchState(stack.pipeline.sql, batchId);
    return current.status === "completed" ? current : undefined;
  }, 60_000, "the batch to complete");
  const { rows } = await stack.pipeline.sql.query<{ id: string; filename: string; processing_status: string; thumbnail_path: string | null; description: string | null; dimensions: number | null; error_message: string | null }>(
    "SELECT id, filename, processing_status, thumbnail_path, description, array_length(embedding, 1) AS dimensions, error_message FROM uploads WHERE batch_id = $1",
    [batchId],
  );
  return { state, uploads: new Map(rows.map((row) => [row.filename, row])) };
}

describe("the worker's deployed bundle, in its containers, runs the media step on uploaded files", () => {
  const running = workerStack(() => ({}));

  it("with the built-in AI (no AI server set): a photo completes with its thumbnail, a text file fails permanently, each counted once", async () => {
    // Act
    const { state, uploads } = await processThroughStack(running.stack, [
      { filename: "photo.jpg", bytes: await makeImage("jpeg") },
      { filename: "readme.jpg", bytes: Buffer.from("not a picture at all, just words\n".repeat(10)) },
    ]);

    // Assess
    expect(state).toMatchObject({ processed: 2, successful: 1, failed: 1 });
    const photo = uploads.get("photo.jpg");
    expect(photo).toMatchObject({ processing_status: "completed", thumbnail_path: `thumbnails/${photo?.id}.webp`, description: "[offline] 640×480 JPEG image", error_message: null });
    expect(photo?.dimensions).toBe(64);
    const thumbnail = await running.s3.send(new GetObjectCommand({ Bucket: running.stack.endpoints.bucket, Key: photo?.thumbnail_path ?? "" }));
    const bytes = await thumbnail.Body?.transformToByteArray();
    expect(await sharp(Buffer.from(bytes ?? [])).metadata()).toMatchObject({ format: "webp", width: 320, height: 240 });
    expect(uploads.get("readme.jpg")).toMatchObject({ processing_status: "failed", error_message: expect.stringMatching(/^file content is not a recognised image or video/) });
  });
});

describe("the worker's deployed bundle, in its containers, with the stage's AI server set", () => {
  let ollama: FakeOllama;
  beforeAll(async () => {
    ollama = await FakeOllama.start();
  });
  afterAll(() => ollama?.close());
  const running = workerStack(() => ({ aiBaseUrl: ollama.baseUrl, aiVisionModel: "llava:13b", aiEmbeddingModel: "bge-m3" }));

  it("asks that Ollama-compatible server, with the stage's models, to describe and embed the picture", async () => {
    const { uploads } = await processThroughStack(running.stack, [{ filename: "photo.png", bytes: await makeImage("png") }]);

    const photo = uploads.get("photo.png");
    expect(photo).toMatchObject({ processing_status: "completed", description: "A red square crossed by a blue diagonal line." });
    expect(photo?.dimensions).toBe(1024);
    expect(ollama.requests.map((request) => [request.path, request.body.model])).toEqual([
      ["/api/generate", "llava:13b"],
      ["/api/embed", "bge-m3"],
    ]);
  });
});

describe("the worker composed from its environment", () => {
  let engine: S3Engine;
  let db: UploadsDatabase;
  let sqs: SQSClient;
  let env: Record<string, string>;

  beforeAll(async () => {
    [engine, db] = await Promise.all([startS3Engine(), startUploadsDatabase()]);
    // fauxqs serves SQS on the same port as S3.
    sqs = new SQSClient({ region: REGION, endpoint: engine.endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    const queueUrl = async (name: string) => (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl ?? "";
    env = {
      // The pool reaches the handler through the infrastructure; this only satisfies the schema.
      DATABASE_URL: "postgres://provided-by-infrastructure",
      BATCHES_QUEUE_URL: await queueUrl("batches"),
      UPLOADS_QUEUE_URL: await queueUrl("uploads"),
      UPLOADS_DLQ_URL: await queueUrl("uploads-dlq"),
      PROGRESS_QUEUE_URL: await queueUrl("progress"),
      S3_ENDPOINT: engine.endpoint,
      MEDIA_BUCKET: engine.bucket,
    };
  });
  afterAll(async () => {
    sqs?.destroy();
    await db?.close();
    await engine?.stop();
  });

  const build = (extra: Record<string, string> = {}, overrides: Partial<WorkerDeps> = {}) =>
    buildWorkerDeps(readWorkerConfig({ ...env, ...extra }), { sql: db.pool, sqs, logger: new RecordingLogger() }, overrides);

  it("uses the media step unless given a processor, and needs its bucket", () => {
    const explicit: UploadProcessor = { process: async () => ({ description: null, thumbnailPath: null, metadata: null, embedding: null }) };

    expect(build().processor).toBeInstanceOf(MediaUploadProcessor);
    expect(build({}, { processor: explicit }).processor).toBe(explicit);
    expect(() => readWorkerConfig({ ...env, MEDIA_BUCKET: undefined } as Record<string, string | undefined>)).toThrow(ConfigurationError);
  });
});
