import { isTerminalUploadStatus, type FlowPolicy, type RecordedOutcomes, type UploadClaim, type UploadOutcome, type UploadRef, type UploadRepository } from "@pipeline/core";
import type { InMemoryDatabase, UploadRecord } from "./InMemoryDatabase.js";
import { releaseWindow } from "./releaseWindow.js";

/** `PostgresUploadRepository` on an `InMemoryDatabase`: an upload already terminal is neither claimed nor counted again. */
export class InMemoryUploadRepository implements UploadRepository {
  constructor(private readonly database: InMemoryDatabase) {}

  async claim(refs: readonly UploadRef[]): Promise<UploadClaim[]> {
    const distinct = new Map(refs.map((ref) => [`${ref.uploadId} ${ref.batchId}`, ref]));
    return [...distinct.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, ref]) => this.claimOne(ref));
  }

  private claimOne(ref: UploadRef): UploadClaim {
    const ids = { uploadId: ref.uploadId, batchId: ref.batchId };
    const batch = this.database.batch(ref.batchId);
    if (!batch) return { ...ids, kind: "unknown-batch" };
    const upload = this.database.uploads.get(ref.uploadId);
    if (!upload) return { ...ids, kind: "unknown-upload" };
    if (upload.batchId !== ref.batchId) return { ...ids, kind: "batch-mismatch", actualBatchId: upload.batchId };
    if (isTerminalUploadStatus(upload.status)) return { ...ids, kind: "terminal", status: upload.status };
    if (batch.status !== "processing") return { ...ids, kind: "batch-not-processing", batchStatus: batch.status };
    if (batch.pausedAt !== null) {
      Object.assign(upload, { held: true, updatedAt: this.database.now() });
      return { ...ids, kind: "batch-paused" };
    }
    Object.assign(upload, { status: "processing", attempts: upload.attempts + 1, updatedAt: this.database.now() });
    return { ...ids, kind: "claimed", upload: toProcess(upload) };
  }

  async recordOutcomes(batchId: string, outcomes: readonly UploadOutcome[], policy: FlowPolicy): Promise<RecordedOutcomes> {
    const now = this.database.now();
    const tally = { counted: 0, completed: 0, failed: 0 };
    for (const outcome of outcomes) {
      const upload = this.database.uploads.get(outcome.uploadId);
      if (!upload || upload.batchId !== batchId || isTerminalUploadStatus(upload.status)) continue;
      if (outcome.status === "completed") {
        const { result } = outcome;
        Object.assign(upload, {
          status: "completed",
          error: null,
          description: result.description ?? upload.description,
          thumbnailPath: result.thumbnailPath ?? upload.thumbnailPath,
          metadata: result.metadata ?? upload.metadata,
          embedding: result.embedding ?? upload.embedding,
          updatedAt: now,
        });
        tally.completed++;
      } else {
        Object.assign(upload, { status: "failed", error: outcome.error, updatedAt: now });
        tally.failed++;
      }
      tally.counted++;
    }
    const batch = this.database.batch(batchId);
    if (batch && tally.counted > 0) {
      batch.processed += tally.counted;
      batch.successful += tally.completed;
      batch.failed += tally.failed;
      batch.updatedAt = now;
    }
    const released = tally.counted > 0 ? releaseWindow(this.database, batchId, policy, { reclaimLost: false }) : { ownerId: batch?.userId ?? "", uploadIds: [] };
    return { ...tally, released };
  }

  async hold(batchId: string, uploadIds: readonly string[]): Promise<void> {
    for (const id of uploadIds) {
      const upload = this.database.uploads.get(id);
      if (upload && upload.batchId === batchId && !isTerminalUploadStatus(upload.status)) upload.held = true;
    }
  }
}

function toProcess(upload: UploadRecord) {
  return {
    id: upload.id,
    batchId: upload.batchId,
    userId: upload.userId,
    filename: upload.filename,
    filePath: upload.filePath,
    fileType: upload.fileType,
    fileSize: upload.fileSize,
    mimeType: upload.mimeType,
    attempts: upload.attempts,
    stored: {
      thumbnailPath: upload.thumbnailPath,
      metadata: Object.keys(upload.metadata).length > 0 ? upload.metadata : null,
      description: upload.description,
      hasEmbedding: upload.embedding !== null,
    },
  };
}
