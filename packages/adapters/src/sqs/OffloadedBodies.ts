/**
 * Where a dead-letter body too large to park with its reason is kept (`S3OffloadedBodies` from
 * `@pipeline/adapters/s3`). An interface here, so the SQS adapters do not pull in an S3 client.
 */
export interface OffloadedBodies {
  /** The prefix every key is under: what IAM grants (`dead-letters/`). */
  readonly prefix: string;
  /** Where a key is, for operators: `s3://bucket/key`. */
  locationOf(key: string): string;
  put(key: string, body: string): Promise<void>;
  get(key: string): Promise<string>;
  delete(key: string): Promise<void>;
}

/** SQS's limit on a message, body and attributes together (names, types and values), in bytes; fauxqs checks the same. */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;
