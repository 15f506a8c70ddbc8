import {
  isTerminalBatchStatus,
  isTerminalUploadStatus,
  type BatchRepository,
  type BatchSnapshot,
  type BatchStatus,
  type FanOutStart,
  type FlowPolicy,
  type Release,
  type ProgressAdvance,
  type UploadChange,
  type UploadStage,
  type UploadStateRequest,
} from "@pipeline/core";
import { byId, type BatchRecord, type InMemoryDatabase, type UploadRecord } from "./InMemoryDatabase.js";
import { releaseWindow } from "./releaseWindow.js";

/** `PostgresBatchRepository` on an `InMemoryDatabase`: the same guards, one batch row changed at a time. */
export class InMemoryBatchRepository implements BatchRepository {
  constructor(private readonly database: InMemoryDatabase) {}

  async startFanOut(batchId: string): Promise<FanOutStart> {
    const batch = this.database.batch(batchId);
    if (!batch) return { kind: "not-found" };
    if (batch.status === "processing") return { kind: "resumed" };
    if (batch.status !== "pending") return { kind: "finished", status: batch.status };
    const declaredTotal = batch.total;
    const actualTotal = this.database.uploadsOf(batchId).length;
    const now = this.database.now();
    Object.assign(batch, { status: "processing", total: actualTotal, startedAt: now, updatedAt: now });
    return { kind: "started", declaredTotal, actualTotal };
  }

  async statusOf(batchId: string): Promise<BatchStatus | undefined> {
    return this.database.batch(batchId)?.status;
  }

  async releaseWindow(batchId: string, policy: FlowPolicy): Promise<Release> {
    return releaseWindow(this.database, batchId, policy, { reclaimLost: true });
  }

  async holdWindow(batchId: string): Promise<void> {
    const cursor = this.database.batch(batchId)?.releaseCursor ?? null;
    for (const upload of this.database.uploadsOf(batchId)) {
      if (cursor !== null && upload.id <= cursor && !isTerminalUploadStatus(upload.status)) upload.held = true;
    }
  }

  async unfinishedBatchIds(after: string | null, limit: number): Promise<string[]> {
    return [...this.database.batches.values()]
      .filter((batch) => (batch.status === "pending" || batch.status === "processing") && (after === null || batch.id > after))
      .sort(byId)
      .slice(0, limit)
      .map((batch) => batch.id);
  }

  async advanceProgress(batchIds: readonly string[]): Promise<ProgressAdvance[]> {
    const batches = [...new Set(batchIds)].map((id) => this.database.batch(id)).filter((batch): batch is BatchRecord => batch !== undefined);
    return batches.map((batch) => this.advance(batch));
  }

  async uploadStates(requests: readonly UploadStateRequest[]): Promise<Map<string, UploadChange[]>> {
    const byBatch = new Map<string, UploadChange[]>();
    for (const { batchId, uploadIds, firstOfBatch } of requests) {
      const named = [...new Set(uploadIds)]
        .map((id) => this.database.uploads.get(id))
        .filter((upload): upload is UploadRecord => upload?.batchId === batchId)
        .sort(byId);
      const first = this.database.uploadsOf(batchId).slice(0, firstOfBatch).filter((upload) => !named.includes(upload));
      const found = [...named, ...first];
      if (found.length > 0) byBatch.set(batchId, [...(byBatch.get(batchId) ?? []), ...found.map(stateOf)]);
    }
    return byBatch;
  }

  async recordFinalPushes(pushed: ReadonlyArray<{ batchId: string; version: number }>): Promise<void> {
    for (const { batchId, version } of pushed) {
      const batch = this.database.batch(batchId);
      if (batch && batch.pushedVersion < version) batch.pushedVersion = version;
    }
  }

  private advance(batch: BatchRecord): ProgressAdvance {
    if (isTerminalBatchStatus(batch.status)) {
      return { snapshot: snapshotOf(batch), pushedBefore: batch.pushedVersion >= batch.version, finalizedNow: false };
    }
    const previousUpdatedAt = batch.updatedAt;
    const now = this.database.now();
    const overTolerance =
      batch.status === "processing" &&
      batch.maxFailurePercent !== null &&
      batch.processed < batch.total &&
      batch.failed * 100 > batch.maxFailurePercent * batch.total;
    batch.version++;
    if (overTolerance) {
      const remaining = this.database.uploadsOf(batch.id).filter((upload) => !isTerminalUploadStatus(upload.status));
      for (const upload of remaining) Object.assign(upload, { status: "cancelled", cancelReason: "failure-tolerance", updatedAt: now });
      batch.cancelled += remaining.length;
      batch.processed += remaining.length;
      batch.errorMessage = `failure tolerance exceeded: ${batch.failed} of ${batch.total} uploads failed (at most ${batch.maxFailurePercent?.toFixed(2)}% allowed)`;
      batch.status = "failed";
      batch.completedAt = now;
    } else if (batch.status === "processing" && batch.processed === batch.total) {
      batch.status = "completed";
      batch.completedAt = now;
    }
    batch.updatedAt = now;
    const finalizedNow = isTerminalBatchStatus(batch.status);
    // An unfinished batch's push counts as made; a final state's once its pushes were sent.
    if (!finalizedNow) batch.pushedVersion = batch.version;
    return {
      snapshot: snapshotOf(batch),
      pushedBefore: false,
      finalizedNow,
      ...(finalizedNow ? { finalization: { lastChangeAt: previousUpdatedAt, startedAt: batch.startedAt } } : {}),
    };
  }
}

function stateOf(upload: UploadRecord): UploadChange {
  const terminal = isTerminalUploadStatus(upload.status);
  const stage = terminal ? null : lastStoredStage(upload);
  return {
    uploadId: upload.id,
    status: upload.status,
    ...((upload.status === "failed" || upload.status === "cancelled") && upload.error !== null ? { error: upload.error } : {}),
    ...(stage ? { stage } : {}),
  };
}

function lastStoredStage(upload: UploadRecord): UploadStage | null {
  if (upload.embedding !== null) return "embedding";
  if (upload.description !== null) return "description";
  return upload.status === "analyzing" || upload.status === "embedding" ? "thumbnail" : null;
}

export function snapshotOf(batch: BatchRecord): BatchSnapshot {
  return {
    id: batch.id,
    userId: batch.userId,
    status: batch.status,
    totalUploads: batch.total,
    processedUploads: batch.processed,
    successfulUploads: batch.successful,
    failedUploads: batch.failed,
    cancelledUploads: batch.cancelled,
    version: batch.version,
    priority: batch.priority,
    maxInFlight: batch.maxInFlight,
    paused: batch.pausedAt !== null,
    activeMillis: activeMillis(batch),
  };
}

/** As the reader's `active_millis`: time processing, up to the end or the pause, less time paused. */
function activeMillis(batch: BatchRecord): number | null {
  if (batch.startedAt === null) return null;
  const end = batch.completedAt ?? batch.pausedAt ?? new Date();
  return Math.max(0, end.getTime() - batch.startedAt.getTime() - batch.pausedMillis);
}
