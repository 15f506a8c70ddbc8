import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { objectKeys } from "@pipeline/wiring";

/** The object prefix of offloaded dead-letter bodies in the media bucket (IAM grants it in stacks/). */
export const DEAD_LETTER_PREFIX = objectKeys.deadLettersPrefix;

/**
 * Dead-letter bodies too large for SQS once their reason is attached (kept with the SQS adapters:
 * the functions that park dead letters take it without the media stack `@pipeline/adapters/s3` carries), kept in the media bucket
 * under `dead-letters/` until a redrive sends them back. The functions that park dead letters
 * (fan-out, worker, finalizer) put them; batchctl reads and deletes them.
 *
 * @example
 * ```ts
 * const bodies = new S3OffloadedBodies(new S3Client({}), "media");
 * await bodies.put("dead-letters/uploads/<message id>", body);
 * ```
 */
export class S3OffloadedBodies {
  readonly prefix = DEAD_LETTER_PREFIX;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  locationOf(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  async put(key: string, body: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.checked(key), Body: body, ContentType: "text/plain; charset=utf-8" }));
  }

  async get(key: string): Promise<string> {
    const output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.checked(key) }));
    if (!output.Body) throw new Error(`offloaded dead-letter body ${this.locationOf(key)} has no content`);
    return output.Body.transformToString("utf-8");
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.checked(key) }));
  }

  /** A pointer is read from a queue: it must not name an object outside the prefix (an upload, a thumbnail). */
  private checked(key: string): string {
    if (!key.startsWith(this.prefix) || key.includes("..")) throw new RangeError(`not an offloaded dead-letter body: ${JSON.stringify(key)}`);
    return key;
  }
}
