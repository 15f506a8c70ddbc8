import { isTerminalUploadStatus, type BatchControls, type CancelOutcome, type ControlScope, type FlowChange, type FlowOutcome, type RetryOutcome } from "@pipeline/core";
import type { BatchRecord, InMemoryDatabase } from "./InMemoryDatabase.js";

export class InMemoryBatchControls implements BatchControls {
  constructor(private readonly database: InMemoryDatabase) {}

  private scoped(batchId: string, scope: ControlScope): BatchRecord | undefined {
    const batch = this.database.batch(batchId);
    return batch && (scope.ownerId === undefined || batch.userId === scope.ownerId) ? batch : undefined;
  }

  async cancel(batchId: string, scope: ControlScope = {}): Promise<CancelOutcome> {
    const batch = this.scoped(batchId, scope);
    if (!batch) return { kind: "not-found" };
    const byOwner = scope.ownerId !== undefined;
    if (batch.status !== "pending" && batch.status !== "processing") return { kind: "already-final", status: batch.status };
    const now = this.database.now();
    const uploads = this.database.uploadsOf(batchId);
    const moved = uploads.filter((upload) => !isTerminalUploadStatus(upload.status));
    for (const upload of moved) Object.assign(upload, { status: "cancelled", cancelReason: byOwner ? "owner" : "operator", updatedAt: now });
    Object.assign(batch, {
      status: "cancelled",
      total: uploads.length,
      processed: batch.processed + moved.length,
      cancelled: batch.cancelled + moved.length,
      errorMessage: byOwner ? "cancelled by its owner" : "cancelled by an operator",
      version: batch.version + 1,
      completedAt: now,
      updatedAt: now,
    });
    return { kind: "cancelled", cancelledUploads: moved.length };
  }

  async pause(batchId: string, scope: ControlScope = {}): Promise<FlowOutcome> {
    return this.flow(batchId, scope, (batch, now) => {
      if (batch.pausedAt !== null) return false;
      Object.assign(batch, { pausedAt: now, updatedAt: now });
      return true;
    });
  }

  async resume(batchId: string, scope: ControlScope = {}): Promise<FlowOutcome> {
    return this.flow(batchId, scope, (batch, now) => {
      if (batch.pausedAt === null) return false;
      const from = batch.startedAt === null ? null : Math.max(batch.pausedAt.getTime(), batch.startedAt.getTime());
      Object.assign(batch, { pausedAt: null, pausedMillis: batch.pausedMillis + (from === null ? 0 : Math.max(0, now.getTime() - from)), updatedAt: now });
      return true;
    });
  }

  async changeFlow(batchId: string, change: FlowChange, scope: ControlScope = {}): Promise<FlowOutcome> {
    return this.flow(batchId, scope, (batch, now) => {
      const maxInFlight = change.maxInFlight === undefined ? batch.maxInFlight : change.maxInFlight;
      const priority = change.priority ?? batch.priority;
      if (maxInFlight === batch.maxInFlight && priority === batch.priority) return false;
      Object.assign(batch, { maxInFlight, priority, updatedAt: now });
      return true;
    });
  }

  private flow(batchId: string, scope: ControlScope, apply: (batch: BatchRecord, now: Date) => boolean): FlowOutcome {
    const batch = this.scoped(batchId, scope);
    if (!batch) return { kind: "not-found" };
    if (batch.status !== "pending" && batch.status !== "processing") return { kind: "already-final", status: batch.status };
    const changed = apply(batch, this.database.now());
    return { kind: "applied", changed, paused: batch.pausedAt !== null, priority: batch.priority, maxInFlight: batch.maxInFlight };
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
    for (const upload of retried) Object.assign(upload, { status: "pending", error: null, cancelReason: null, attempts: 0, held: true, updatedAt: now });
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
