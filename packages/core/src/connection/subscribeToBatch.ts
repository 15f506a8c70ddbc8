import { readBatch } from "../batch/readBatch.js";
import type { BatchReader } from "../ports/BatchReader.js";
import type { BatchSnapshotFrame, ErrorFrame } from "../progress/serverMessages.js";
import { takeWithinBytes } from "../progress/takeWithinBytes.js";

/** Uploads per snapshot frame: keeps a frame far below API Gateway's 128 KB message limit. */
export const SNAPSHOT_PAGE_SIZE = 200;

/**
 * The frame that answers a client's `subscribe`: a page of its batch as committed, so a client
 * that (re)connects catches up. Another user's batch answers exactly as an unknown one (I6).
 */
export async function subscribeToBatch(
  reader: BatchReader,
  userId: string,
  batchId: string,
  after: string | null,
): Promise<BatchSnapshotFrame | ErrorFrame> {
  const page = await readBatch(reader, userId, batchId, { after, limit: SNAPSHOT_PAGE_SIZE });
  if (!page) return { type: "error", code: "not_found", message: `no batch ${batchId}`, batchId };
  const { batch } = page;
  const uploads = takeWithinBytes(
    page.uploads.map((upload) => ({
      uploadId: upload.uploadId,
      filename: upload.filename,
      status: upload.status,
      error: upload.error,
      hasThumbnail: upload.thumbnailPath !== null,
    })),
    SNAPSHOT_PAGE_SIZE,
  );
  // A page cut short by its size continues after the last upload it carries.
  const nextCursor = uploads.length < page.uploads.length ? (uploads.at(-1)?.uploadId ?? null) : page.nextCursor;
  return {
    type: "batch.snapshot",
    batchId,
    version: batch.version,
    status: batch.status,
    total: batch.total,
    processed: batch.processed,
    successful: batch.successful,
    failed: batch.failed,
    cancelled: batch.cancelled,
    priority: batch.priority,
    maxInFlight: batch.maxInFlight,
    paused: batch.paused,
    secondsLeft: batch.secondsLeft,
    uploads,
    nextCursor,
  };
}
