import { isTerminalUploadStatus, type BatchControls, type CancelOutcome, type RetryOutcome } from "@pipeline/core";
import type { InMemoryDatabase } from "./InMemoryDatabase.js";

export class InMemoryBatchControls implements BatchControls {
  constructor(private readonly database: InMemoryDatabase) {}

  async cancel(batchId: string): Promise<CancelOutcome> {
    const batch = this.database.batch(batchId);
    if (!batch) return { kind: "not-found" };
    if (batch.status !== "pending" && batch.status !== "processing") return { kind: "already-final", status: batch.status };
    const now = this.database.now();
    const uploads = this.database.uploadsOf(batchId);
    const moved = uploads.filter((upload) => !isTerminalUploadStatus(upload.status));
    for (const upload of moved) Object.assign(upload, { status: "cancelled", cancelReason: "operator", updatedAt: now });
    Object.assign(batch, {
      status: "cancelled",
      total: uploads.length,
      processed: batch.processed + moved.length,
      cancelled: batch.cancelled + moved.length,
      errorMessage: "cancelled by an operator",
      version: batch.version + 1,
      completedAt: now,
      updatedAt: now,
    });
    return { kind: "cancelled", cancelledUploads: moved.length };
  }

  async retryFailed(batchId: string): Promise<RetryOutcome> {
    const batch = this.database.batch(batchId);
    if (!batch) return { kind: "not-found" };
    if (batch.status === "pending" || batch.status === "cancelled") return { kind: "not-retryable", status: batch.status };
    const retried = this.database
      .uploadsOf(batchId)
      .filter((upload) => upload.status === "failed" || (batch.status === "failed" && upload.status === "cancelled" && upload.cancelReason === "failure-tolerance"));
    const failed = retried.filter((upload) => upload.status === "failed").length;
    const cancelled = retried.length - failed;
    const now = this.database.now();
    for (const upload of retried) Object.assign(upload, { status: "pending", error: null, cancelReason: null, attempts: 0, updatedAt: now });
    if (retried.length > 0) {
      Object.assign(batch, {
        processed: batch.processed - retried.length,
        failed: batch.failed - failed,
        cancelled: batch.cancelled - cancelled,
        status: "processing",
        errorMessage: null,
        completedAt: null,
        version: batch.version + 1,
        updatedAt: now,
      });
    }
    return { kind: "retried", uploads: retried.length };
  }
}
