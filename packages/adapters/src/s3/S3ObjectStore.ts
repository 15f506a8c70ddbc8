import type { Readable } from "node:stream";
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { limitBytes, ObjectNotFoundError, ObjectStoreError, ObjectTooLargeError, type ObjectStore } from "@pipeline/media";

/**
 * The object store on S3 (or a local engine that speaks its API): streams GetObject bodies within
 * a byte limit, writes with PutObject. S3 errors become the port's errors, the original kept as
 * `cause`.
 *
 * @example
 * ```ts
 * const objects = new S3ObjectStore(new S3Client({ region: "us-east-1" }), "media");
 * ```
 */
export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async read(key: string, { maxBytes, signal }: { maxBytes: number; signal: AbortSignal }): Promise<AsyncIterable<Uint8Array>> {
    let output;
    try {
      output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
    } catch (error) {
      signal.throwIfAborted();
      if (error instanceof NoSuchKey) throw new ObjectNotFoundError(key, { cause: error });
      throw new ObjectStoreError("read", key, { cause: error });
    }
    // In Node the SDK's body is a Readable stream.
    const body = output.Body as Readable | undefined;
    if (!body) throw new ObjectStoreError("read", key, { cause: new Error("GetObject returned no body") });
    if (output.ContentLength !== undefined && output.ContentLength > maxBytes) {
      // Refused before a byte is read; destroying the body frees the connection.
      body.destroy();
      throw new ObjectTooLargeError(key, maxBytes, output.ContentLength);
    }
    return readWithin(body, key, maxBytes);
  }

  async write(key: string, body: Uint8Array, { contentType, signal }: { contentType: string; signal: AbortSignal }): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }), { abortSignal: signal });
    } catch (error) {
      signal.throwIfAborted();
      throw new ObjectStoreError("write", key, { cause: error });
    }
  }
}

async function* readWithin(body: Readable, key: string, maxBytes: number): AsyncGenerator<Uint8Array> {
  try {
    yield* limitBytes(body, key, maxBytes);
  } catch (error) {
    if (error instanceof ObjectTooLargeError) throw error;
    throw new ObjectStoreError("read", key, { cause: error });
  }
}
