import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { PostgresStageStore } from "@pipeline/adapters/postgres";
import { S3ObjectStore } from "@pipeline/adapters/s3";
import { PermanentProcessingError, type ProcessingContext, type UploadStage } from "@pipeline/core";
import { BuiltInAiService, MediaUploadProcessor, type ImageMetadata, type VideoMetadata } from "@pipeline/media";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeImage, makeMp4, makeWebm } from "./mediaFiles.js";
import { startS3Engine, type S3Engine } from "./s3Engine.js";
import { startUploadsDatabase, type UploadsDatabase } from "./uploadsDatabase.js";

const LIMIT = 1024 * 1024;

describe("MediaUploadProcessor on fauxqs S3 and real Postgres, with the built-in AI", () => {
  let s3: S3Engine;
  let db: UploadsDatabase;
  let processor: MediaUploadProcessor;

  beforeAll(async () => {
    [s3, db] = await Promise.all([startS3Engine(), startUploadsDatabase()]);
    processor = new MediaUploadProcessor({
      objects: new S3ObjectStore(s3.client, s3.bucket),
      ai: new BuiltInAiService(),
      stages: new PostgresStageStore(db.pool),
      maxUploadBytes: LIMIT,
    });
  });
  afterAll(async () => {
    await db?.close();
    await s3?.stop();
  });

  /** Stores `bytes` under a fresh key and claims an upload of it. */
  async function uploaded(filename: string, bytes: Buffer) {
    const key = `uploads/${crypto.randomUUID()}/${filename}`;
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: bytes }));
    return db.claimNew(key, filename);
  }

  function context(): ProcessingContext & { stages: UploadStage[] } {
    const stages: UploadStage[] = [];
    return { signal: new AbortController().signal, reportStage: (stage) => void stages.push(stage), stages };
  }

  async function thumbnailOf(key: string) {
    const object = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    return sharp(Buffer.from(await object.Body!.transformToByteArray())).metadata();
  }

  async function permanentFailure(promise: Promise<unknown>): Promise<string> {
    const error = await promise.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(PermanentProcessingError);
    return (error as Error).message;
  }

  it("processes a JPEG: EXIF basics, a WebP thumbnail in S3, an offline description and vector, each stage stored and reported", async () => {
    // Prepare
    const jpeg = await makeImage("jpeg", { exif: { make: "Canon", model: "Canon EOS 5D", takenAt: "2024:05:01 12:34:56" } });
    const upload = await uploaded("holiday.jpg", jpeg);
    const ctx = context();

    // Act
    const result = await processor.process(upload, ctx);

    // Assess
    expect(result.thumbnailPath).toBe(`thumbnails/${upload.id}.webp`);
    expect(result.metadata).toMatchObject({
      kind: "image",
      mimeType: "image/jpeg",
      format: "JPEG",
      byteLength: jpeg.byteLength,
      width: 640,
      height: 480,
      takenAt: "2024-05-01T12:34:56",
      cameraMake: "Canon",
      cameraModel: "Canon EOS 5D",
      frames: 1,
      thumbnail: { width: 320, height: 240, mimeType: "image/webp" },
      ai: { description: { source: "offline", method: "metadata-summary" }, embedding: { source: "offline", method: "colour-histogram", dimensions: 64 } },
    });
    expect(result.description).toBe("[offline] 640×480 JPEG photo, taken 2024-05-01 12:34:56, Canon EOS 5D");
    expect(result.embedding).toHaveLength(64);
    expect(ctx.stages).toEqual(["thumbnail", "description", "embedding"]);
    const thumbnail = await thumbnailOf(`thumbnails/${upload.id}.webp`);
    expect(thumbnail).toMatchObject({ format: "webp", width: 320, height: 240 });
    const row = await db.row(upload.id);
    expect(row).toMatchObject({ processing_status: "embedding", thumbnail_path: result.thumbnailPath, description: result.description, metadata: result.metadata });
    expect(row.embedding).toHaveLength(64);
  });

  it.each([
    ["png", "PNG", "image/png"],
    ["webp", "WebP", "image/webp"],
    ["gif", "GIF", "image/gif"],
    ["avif", "AVIF", "image/avif"],
    ["tiff", "TIFF", "image/tiff"],
  ] as const)("processes a %s image into metadata and a thumbnail", async (format, name, mimeType) => {
    const upload = await uploaded(`picture.${format}`, await makeImage(format, { width: 200, height: 100 }));

    const result = await processor.process(upload, context());

    expect(result.metadata).toMatchObject({ kind: "image", format: name, mimeType, width: 200, height: 100, thumbnail: { width: 200, height: 100 } });
    expect(result.description).toBe(`[offline] 200×100 ${name} image`);
    expect(await thumbnailOf(result.thumbnailPath!)).toMatchObject({ format: "webp", width: 200, height: 100 });
  });

  it("turns a picture taken sideways (EXIF orientation 6) upright in its thumbnail and dimensions", async () => {
    const upload = await uploaded("sideways.jpg", await makeImage("jpeg", { width: 640, height: 480, exif: { orientation: 6 } }));

    const result = await processor.process(upload, context());

    expect(result.metadata).toMatchObject({ orientation: 6, width: 480, height: 640, thumbnail: { width: 240, height: 320 } });
    const thumbnail = await thumbnailOf(result.thumbnailPath!);
    expect(thumbnail).toMatchObject({ width: 240, height: 320 });
    // The pixels were rotated, not merely tagged: the thumbnail carries no orientation to apply.
    expect(thumbnail.orientation ?? 1).toBe(1);
  });

  it("reads a video's container (MP4) without a thumbnail, and describes it by its metadata", async () => {
    const upload = await uploaded("clip.mp4", makeMp4({ width: 320, height: 240, durationMillis: 2000 }));
    const ctx = context();

    const result = await processor.process(upload, ctx);

    const metadata = result.metadata as VideoMetadata;
    expect(metadata).toMatchObject({ kind: "video", format: "MP4", mimeType: "video/mp4", durationSeconds: 2, width: 320, height: 240, videoCodec: "avc1.42c01e", audioCodec: null });
    expect(metadata.container).toContain("isom");
    expect(result.thumbnailPath).toBeNull();
    expect(result.description).toBe("2.0 s MP4 video, 320×240, avc1.42c01e");
    expect(metadata.ai).toMatchObject({ description: { source: "metadata" }, embedding: { source: "offline", method: "text-hash", dimensions: 64 } });
    expect(result.embedding).toHaveLength(64);
    expect(ctx.stages).toEqual(["thumbnail", "description", "embedding"]);
  });

  it("reads a WebM video's container", async () => {
    const upload = await uploaded("clip.webm", makeWebm({ width: 640, height: 360, durationMillis: 1500 }));

    const result = await processor.process(upload, context());

    expect(result.metadata).toMatchObject({ kind: "video", format: "WebM", container: "webm", durationSeconds: 1.5, width: 640, height: 360, videoCodec: "VP9" });
    expect(result.description).toBe("1.5 s WebM video, 640×360, VP9");
  });

  it("fails a truncated JPEG permanently, before any thumbnail or stage is stored", async () => {
    const jpeg = await makeImage("jpeg");
    const upload = await uploaded("cut.jpg", jpeg.subarray(0, Math.floor(jpeg.byteLength * 0.6)));

    const reason = await permanentFailure(processor.process(upload, context()));

    expect(reason).toMatch(/^corrupt or truncated image: .*premature end/i);
    await expect(s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `thumbnails/${upload.id}.webp` }))).rejects.toThrow();
    expect(await db.row(upload.id)).toMatchObject({ processing_status: "processing", thumbnail_path: null, description: null });
  });

  it("fails a text file named .jpg permanently: the type comes from the bytes, not the name", async () => {
    const upload = await uploaded("notes.jpg", Buffer.from("Shopping list: milk, eggs, bread.\n".repeat(20)));

    const reason = await permanentFailure(processor.process(upload, context()));

    expect(reason).toMatch(/^file content is not a recognised image or video \(named "notes\.jpg"\)/);
  });

  it("fails an empty file permanently", async () => {
    const upload = await uploaded("empty.png", Buffer.alloc(0));

    expect(await permanentFailure(processor.process(upload, context()))).toBe("file is empty");
  });

  it("fails a file over the size limit permanently, without reading it", async () => {
    const upload = await uploaded("huge.jpg", Buffer.alloc(LIMIT + 1, 0xff));

    const reason = await permanentFailure(processor.process(upload, context()));

    expect(reason).toBe(`file exceeds the upload limit of ${LIMIT} bytes (${LIMIT + 1} bytes)`);
  });

  it("fails an unsupported media type permanently, naming it", async () => {
    const pdf = Buffer.from("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n");
    const upload = await uploaded("scan.jpg", pdf);

    expect(await permanentFailure(processor.process(upload, context()))).toMatch(/^unsupported file type application\/pdf \(named "scan\.jpg"\); supported: JPEG, PNG/);
  });

  it("fails a truncated MP4 (no movie header) permanently", async () => {
    const mp4 = makeMp4({ width: 320, height: 240, durationMillis: 2000 });
    const upload = await uploaded("cut.mp4", mp4.subarray(0, 300));

    expect(await permanentFailure(processor.process(upload, context()))).toMatch(/no movie header/);
  });

  it("fails an upload whose object is missing permanently", async () => {
    const upload = await db.claimNew(`uploads/${crypto.randomUUID()}/gone.jpg`, "gone.jpg");

    expect(await permanentFailure(processor.process(upload, context()))).toMatch(/^the uploaded file is missing from storage/);
  });

  it("fails an upload whose key is outside the uploads' prefix permanently, without reading it", async () => {
    // Prepare: a readable image, stored where the worker has no grant.
    const key = `elsewhere/${crypto.randomUUID()}/stray.png`;
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: await makeImage("png") }));
    const upload = await db.claimNew(key, "stray.png");

    // Act / Assess
    expect(await permanentFailure(processor.process(upload, context()))).toBe(`the upload's key is outside uploads/, where uploads are stored (${JSON.stringify(key)})`);
  });

  it("stops with the signal's reason when the invocation's time runs out", async () => {
    const upload = await uploaded("late.png", await makeImage("png"));
    const controller = new AbortController();
    const deadline = new Error("processing budget exhausted");
    controller.abort(deadline);

    await expect(processor.process(upload, { signal: controller.signal, reportStage: () => {} })).rejects.toBe(deadline);
    expect(await db.row(upload.id)).toMatchObject({ processing_status: "processing", thumbnail_path: null });
  });

  it("keeps the metadata type the docs promise for images", async () => {
    const upload = await uploaded("typed.webp", await makeImage("webp", { width: 50, height: 40 }));

    const metadata = (await processor.process(upload, context())).metadata as ImageMetadata;

    expect(Object.keys(metadata).sort()).toEqual(
      ["ai", "byteLength", "cameraMake", "cameraModel", "format", "frames", "height", "kind", "mimeType", "orientation", "takenAt", "thumbnail", "width"].sort(),
    );
  });
});
