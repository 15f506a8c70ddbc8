import { PutObjectCommand } from "@aws-sdk/client-s3";
import { S3ObjectStore } from "@pipeline/adapters/s3";
import { collectBytes, limitBytes, ObjectNotFoundError, ObjectStoreError, ObjectTooLargeError } from "@pipeline/media";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startS3Engine, type S3Engine } from "./s3Engine.js";

describe("S3ObjectStore on fauxqs S3", () => {
  let s3: S3Engine;
  let store: S3ObjectStore;
  const signal = new AbortController().signal;

  beforeAll(async () => {
    s3 = await startS3Engine();
    store = new S3ObjectStore(s3.client, s3.bucket);
  });
  afterAll(() => s3?.stop());

  it("writes an object and streams it back", async () => {
    const bytes = Buffer.from("thumbnail bytes");

    await store.write("thumbnails/a.webp", bytes, { contentType: "image/webp", signal });
    const read = await collectBytes(await store.read("thumbnails/a.webp", { maxBytes: 1000, signal }), signal);

    expect(read.equals(bytes)).toBe(true);
  });

  it("refuses an object larger than the limit before reading it", async () => {
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: "big", Body: Buffer.alloc(2048) }));

    const error = await store.read("big", { maxBytes: 1024, signal }).catch((reason: unknown) => reason);

    expect(error).toBeInstanceOf(ObjectTooLargeError);
    expect(error).toMatchObject({ key: "big", maxBytes: 1024, actualBytes: 2048 });
  });

  it("reads an object of exactly the limit", async () => {
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: "exact", Body: Buffer.alloc(1024, 7) }));

    const read = await collectBytes(await store.read("exact", { maxBytes: 1024, signal }), signal);

    expect(read.byteLength).toBe(1024);
  });

  it("reports a missing key as not found, and a missing bucket as a store failure to retry", async () => {
    await expect(store.read("nothing-here", { maxBytes: 1024, signal })).rejects.toBeInstanceOf(ObjectNotFoundError);
    const error = await new S3ObjectStore(s3.client, "no-such-bucket").read("x", { maxBytes: 1024, signal }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ObjectStoreError);
    expect((error as Error).cause).toBeDefined();
  });

  it("stops a stream that carries more than its limit without a declared size, and releases the source", async () => {
    let released = false;
    async function* source() {
      try {
        for (let chunk = 0; chunk < 100; chunk++) yield Buffer.alloc(100);
      } finally {
        released = true;
      }
    }

    await expect(collectBytes(limitBytes(source(), "streamed", 250), signal)).rejects.toBeInstanceOf(ObjectTooLargeError);
    expect(released).toBe(true);
  });
});
