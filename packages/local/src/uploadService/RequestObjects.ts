import type { Readable } from "node:stream";
import { DeleteObjectsCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

/** S3's smallest part (every part but the last); fauxqs takes requests up to 11 MiB. */
const PART_BYTES = 5 * 1024 * 1024;
/** Parts of one file in flight at once: with `STORES_IN_FLIGHT` files, at most 4 x 2 x 5 MiB buffered a request. */
const PARTS_IN_FLIGHT = 2;
/** DeleteObjects takes at most 1000 keys a call. */
const DELETE_BATCH = 1000;

export interface ObjectToWrite {
  key: string;
  body: Readable;
  contentType: string;
  /** User metadata (`x-amz-meta-*`): header-safe ASCII values only. */
  metadata: Record<string, string>;
}

/**
 * The objects one request writes. Each is streamed: a file smaller than a part goes up in one
 * PutObject, a larger one as a multipart upload, part by part, aborted by lib-storage if a part
 * or the body fails. `discard()` removes every object the request began, for a request that failed.
 */
export class RequestObjects {
  private readonly keys: string[] = [];

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async write(object: ObjectToWrite): Promise<void> {
    this.keys.push(object.key);
    const upload = new Upload({
      client: this.s3,
      params: { Bucket: this.bucket, Key: object.key, Body: object.body, ContentType: object.contentType, Metadata: object.metadata },
      partSize: PART_BYTES,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  /** Deletes every key written or begun (a key never written deletes as a no-op). Call once every write has settled. */
  async discard(): Promise<void> {
    for (let start = 0; start < this.keys.length; start += DELETE_BATCH) {
      const batch = this.keys.slice(start, start + DELETE_BATCH);
      const result = await this.s3.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
      const failed = result.Errors ?? [];
      if (failed.length > 0) throw new Error(`${failed.length} object(s) could not be deleted, e.g. ${failed[0]?.Key}: ${failed[0]?.Message}`);
    }
  }
}
