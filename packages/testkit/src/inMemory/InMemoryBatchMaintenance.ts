import { isTerminalBatchStatus, isTerminalUploadStatus, type BatchMaintenance, type CounterRepair, type Counters, type StalledBatch, type UploadRef } from "@pipeline/core";
import type { BatchRecord, InMemoryDatabase, UploadRecord } from "./InMemoryDatabase.js";

const WEEK_MILLIS = 7 * 24 * 60 * 60 * 1000;

export class InMemoryBatchMaintenance implements BatchMaintenance {
  constructor(private readonly database: InMemoryDatabase) {}

  async claimStalePending(before: Date, limit: number): Promise<string[]> {
    const now = this.database.now();
    const stale = this.byUpdatedAt((batch) => batch.status === "pending" && batch.updatedAt < before).slice(0, limit);
    for (const batch of stale) batch.updatedAt = now;
    return stale.map((batch) => batch.id);
  }

  async completeButUnfinalized(limit: number): Promise<string[]> {
    return this.byUpdatedAt((batch) => batch.status === "processing" && batch.processed === batch.total)
      .slice(0, limit)
      .map((batch) => batch.id);
  }

  async finalButUnpushed(limit: number): Promise<string[]> {
    return this.byUpdatedAt((batch) => isTerminalBatchStatus(batch.status) && batch.pushedVersion < batch.version)
      .slice(0, limit)
      .map((batch) => batch.id);
  }

  async repairCounters(limit: number): Promise<CounterRepair[]> {
    const recent = this.database.now().getTime() - WEEK_MILLIS;
    const repairs: CounterRepair[] = [];
    for (const batch of this.database.batches.values()) {
      if (repairs.length >= limit) break;
      if (batch.status === "pending" || batch.updatedAt.getTime() <= recent) continue;
      const before = countersOf(batch);
      const after = this.countedFromUploads(batch.id);
      if (sameCounters(before, after)) continue;
      Object.assign(batch, after, { version: batch.version + 1, updatedAt: this.database.now() });
      repairs.push({ batchId: batch.id, before, after });
    }
    return repairs;
  }

  async claimLostUploads(before: Date, limit: number): Promise<UploadRef[]> {
    const now = this.database.now();
    const released = (upload: UploadRecord) => {
      const batch = this.database.batch(upload.batchId);
      return batch?.status === "processing" && batch.pausedAt === null && batch.releaseCursor !== null && upload.id <= batch.releaseCursor && !upload.held;
    };
    const lost = [...this.database.uploads.values()]
      .filter((upload) => released(upload) && !isTerminalUploadStatus(upload.status) && upload.updatedAt < before)
      .sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime())
      .slice(0, limit);
    for (const upload of lost) upload.updatedAt = now;
    return lost.map((upload) => ({ uploadId: upload.id, batchId: upload.batchId }));
  }

  async claimIdleWindows(before: Date, limit: number): Promise<string[]> {
    const now = this.database.now();
    const waiting = (batch: BatchRecord) =>
      this.database
        .uploadsOf(batch.id)
        .some((upload) => !isTerminalUploadStatus(upload.status) && (upload.held || batch.releaseCursor === null || upload.id > batch.releaseCursor));
    const idle = this.byUpdatedAt((batch) => batch.status === "processing" && batch.pausedAt === null && batch.updatedAt < before && waiting(batch)).slice(0, limit);
    for (const batch of idle) batch.updatedAt = now;
    return idle.map((batch) => batch.id);
  }

  async stalled(before: Date, limit: number): Promise<StalledBatch[]> {
    return this.byUpdatedAt((batch) => batch.status === "processing" && batch.pausedAt === null && batch.updatedAt < before)
      .slice(0, limit)
      .map((batch) => ({ batchId: batch.id, userId: batch.userId, total: batch.total, processed: batch.processed, lastChangeAt: batch.updatedAt }));
  }

  private byUpdatedAt(keep: (batch: BatchRecord) => boolean): BatchRecord[] {
    return [...this.database.batches.values()].filter(keep).sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime());
  }

  private countedFromUploads(batchId: string): Counters {
    const uploads = this.database.uploadsOf(batchId);
    const count = (status: string) => uploads.filter((upload) => upload.status === status).length;
    return {
      total: uploads.length,
      processed: uploads.filter((upload) => isTerminalUploadStatus(upload.status)).length,
      successful: count("completed"),
      failed: count("failed"),
      cancelled: count("cancelled"),
    };
  }
}

function countersOf(batch: BatchRecord): Counters {
  return { total: batch.total, processed: batch.processed, successful: batch.successful, failed: batch.failed, cancelled: batch.cancelled };
}

function sameCounters(a: Counters, b: Counters): boolean {
  return a.total === b.total && a.processed === b.processed && a.successful === b.successful && a.failed === b.failed && a.cancelled === b.cancelled;
}
