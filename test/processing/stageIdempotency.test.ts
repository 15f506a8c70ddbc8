import { TEST_FLOW } from "@pipeline/testkit/fakes";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { OllamaAiService } from "@pipeline/adapters/ai";
import { PostgresStageStore } from "@pipeline/adapters/postgres";
import { S3ObjectStore } from "@pipeline/adapters/s3";
import type { ProcessingContext, UploadStage, UploadToProcess } from "@pipeline/core";
import { MediaUploadProcessor, type ObjectStore } from "@pipeline/media";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOllama } from "./fakeOllama.js";
import { makeImage } from "./mediaFiles.js";
import { startS3Engine, type S3Engine } from "./s3Engine.js";
import { startUploadsDatabase, type UploadsDatabase } from "./uploadsDatabase.js";

/** Counts what reaches the object store, to prove a retry does not redo a stored stage. */
class CountingObjectStore implements ObjectStore {
  reads = 0;
  writes = 0;
  constructor(private readonly inner: ObjectStore) {}
  read(...args: Parameters<ObjectStore["read"]>) {
    this.reads++;
    return this.inner.read(...args);
  }
  write(...args: Parameters<ObjectStore["write"]>) {
    this.writes++;
    return this.inner.write(...args);
  }
}

describe("stages and idempotency: results stored as they exist, never redone on retry", () => {
  let s3: S3Engine;
  let db: UploadsDatabase;
  let ollama: FakeOllama;
  let objects: CountingObjectStore;
  let processor: MediaUploadProcessor;

  beforeAll(async () => {
    [s3, db, ollama] = await Promise.all([startS3Engine(), startUploadsDatabase(), FakeOllama.start()]);
    objects = new CountingObjectStore(new S3ObjectStore(s3.client, s3.bucket));
    const ai = new OllamaAiService({ baseUrl: ollama.baseUrl, visionModel: "llava", embeddingModel: "mxbai-embed-large", timeoutMillis: 2_000, maxAttempts: 1 });
    processor = new MediaUploadProcessor({ objects, ai, stages: new PostgresStageStore(db.pool) });
  });
  afterAll(async () => {
    await ollama?.close();
    await db?.close();
    await s3?.stop();
  });

  async function uploadedPhoto(): Promise<UploadToProcess> {
    const key = `uploads/${crypto.randomUUID()}.jpg`;
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: await makeImage("jpeg") }));
    return db.claimNew(key, "photo.jpg");
  }

  /** A context whose invocation "dies" (its signal aborts) as soon as `stage` is reported. */
  function crashingAfter(stage: UploadStage): ProcessingContext {
    const controller = new AbortController();
    return { signal: controller.signal, reportStage: (reported) => reported === stage && controller.abort(new Error(`crashed after ${stage}`)) };
  }
  const live = (): ProcessingContext => ({ signal: new AbortController().signal, reportStage: () => {} });

  it("resumes after a crash between the description and the embedding without asking the AI service for the description again", async () => {
    // Prepare: the first attempt stores the thumbnail and the description, then dies.
    const upload = await uploadedPhoto();
    await expect(processor.process(upload, crashingAfter("description"))).rejects.toThrow("crashed after description");
    expect(ollama.calls("/api/generate")).toBe(1);
    expect(ollama.calls("/api/embed")).toBe(0);
    const stored = await db.row(upload.id);
    expect(stored).toMatchObject({ processing_status: "embedding", thumbnail_path: `thumbnails/${upload.id}.webp`, description: "A red square crossed by a blue diagonal line.", embedding: null });
    const writesBefore = objects.writes;

    // Act: the redelivery claims the upload with what was stored.
    const retry = await db.claimAgain(upload);
    const result = await processor.process(retry, live());

    // Assess
    expect(retry.stored).toMatchObject({ thumbnailPath: `thumbnails/${upload.id}.webp`, description: stored.description, hasEmbedding: false });
    expect(ollama.calls("/api/generate")).toBe(1);
    expect(ollama.calls("/api/embed")).toBe(1);
    expect(objects.writes).toBe(writesBefore);
    expect(result.description).toBe(stored.description);
    expect(result.embedding).toHaveLength(1024);
    expect(result.metadata).toMatchObject({
      ai: { description: { source: "ollama", model: "llava" }, embedding: { source: "ollama", model: "mxbai-embed-large", dimensions: 1024 } },
    });
    expect((await db.row(upload.id)).embedding).toHaveLength(1024);
  });

  it("resumes after a crash after the thumbnail: the thumbnail is not rendered or written again", async () => {
    const upload = await uploadedPhoto();
    ollama.use((request) => ({ body: request.path === "/api/generate" ? { response: "A photo." } : { embeddings: [[0.1, 0.2]] } }));
    await expect(processor.process(upload, crashingAfter("thumbnail"))).rejects.toThrow("crashed after thumbnail");
    expect(await db.row(upload.id)).toMatchObject({ processing_status: "analyzing", description: null });
    const writesBefore = objects.writes;

    const result = await processor.process(await db.claimAgain(upload), live());

    expect(objects.writes).toBe(writesBefore);
    expect(ollama.calls("/api/generate")).toBe(1);
    expect(result).toMatchObject({ thumbnailPath: `thumbnails/${upload.id}.webp`, description: "A photo.", embedding: [0.1, 0.2] });
  });

  it("does nothing again, not even read the file, once every stage is stored; the outcome keeps the stored results", async () => {
    // Prepare: every stage finishes, then the invocation dies before the outcome is committed.
    const upload = await uploadedPhoto();
    ollama.use((request) => ({ body: request.path === "/api/generate" ? { response: "A photo." } : { embeddings: [[0.5, 0.25]] } }));
    await processor.process(upload, live());
    const readsBefore = objects.reads;
    const callsBefore = ollama.requests.length;

    const result = await processor.process(await db.claimAgain(upload), live());
    await db.uploads.recordOutcomes(upload.batchId, [{ uploadId: upload.id, status: "completed", result }], TEST_FLOW);

    expect(objects.reads).toBe(readsBefore);
    expect(ollama.requests.length).toBe(callsBefore);
    expect(result.embedding).toBeNull();
    expect(await db.row(upload.id)).toMatchObject({ processing_status: "completed", description: "A photo.", embedding: [0.5, 0.25], thumbnail_path: `thumbnails/${upload.id}.webp` });
  });
});

describe("PostgresStageStore", () => {
  let db: UploadsDatabase;
  let stages: PostgresStageStore;

  beforeAll(async () => {
    db = await startUploadsDatabase();
    stages = new PostgresStageStore(db.pool);
  });
  afterAll(() => db?.close());

  it("stores only the results given and moves the upload's status", async () => {
    const upload = await db.claimNew("uploads/a.jpg", "a.jpg");

    await stages.save(upload.id, "analyzing", { thumbnailPath: "thumbnails/a.webp", metadata: { kind: "image" } });
    await stages.save(upload.id, "embedding", { description: "d" });

    expect(await db.row(upload.id)).toMatchObject({ processing_status: "embedding", thumbnail_path: "thumbnails/a.webp", metadata: { kind: "image" }, description: "d", embedding: null });
  });

  it("leaves a terminal upload alone", async () => {
    const upload = await db.claimNew("uploads/b.jpg", "b.jpg");
    await db.uploads.recordOutcomes(upload.batchId, [{ uploadId: upload.id, status: "failed", error: "cancelled by test" }], TEST_FLOW);

    await stages.save(upload.id, "embedding", { description: "late", embedding: [1] });

    expect(await db.row(upload.id)).toMatchObject({ processing_status: "failed", description: null, embedding: null });
  });

  it("refuses to move an upload to a terminal state, which only the outcome statement may do with its counters", async () => {
    const upload = await db.claimNew("uploads/c.jpg", "c.jpg");

    await expect(stages.save(upload.id, "completed", {})).rejects.toThrow(RangeError);
    expect(await db.row(upload.id)).toMatchObject({ processing_status: "processing" });
  });
});
