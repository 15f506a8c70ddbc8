import { countersOf, type BatchPage, type BatchReader, type BatchView, type UploadStatus, type UploadView } from "@pipeline/core";
import { snapshotOf } from "./InMemoryBatchRepository.js";
import type { BatchRecord, InMemoryDatabase, UploadRecord } from "./InMemoryDatabase.js";

export class InMemoryBatchReader implements BatchReader {
  constructor(private readonly database: InMemoryDatabase) {}

  async page(batchId: string, { after, limit }: { after: string | null; limit: number }): Promise<BatchPage | undefined> {
    const batch = this.database.batch(batchId);
    if (!batch) return undefined;
    const rest = this.database.uploadsOf(batchId).filter((upload) => after === null || upload.id > after);
    const rows = rest.slice(0, limit);
    return { batch: toView(batch), uploads: rows.map(toUploadView), nextCursor: rest.length > limit ? (rows.at(-1)?.id ?? null) : null };
  }

  async listForUser(userId: string, limit: number): Promise<BatchView[]> {
    return [...this.database.batches.values()]
      .filter((batch) => batch.userId === userId)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .slice(0, limit)
      .map(toView);
  }

  async uploadStatusCounts(batchId: string): Promise<Partial<Record<UploadStatus, number>>> {
    const counts: Partial<Record<UploadStatus, number>> = {};
    for (const upload of this.database.uploadsOf(batchId)) counts[upload.status] = (counts[upload.status] ?? 0) + 1;
    return counts;
  }

  async thumbnail(batchId: string, uploadId: string): Promise<{ userId: string; key: string } | undefined> {
    const upload = this.database.uploads.get(uploadId);
    if (!upload || upload.batchId !== batchId || upload.thumbnailPath === null) return undefined;
    return { userId: upload.userId, key: upload.thumbnailPath };
  }
}

function toView(batch: BatchRecord): BatchView {
  return {
    ...countersOf(snapshotOf(batch)),
    userId: batch.userId,
    errorMessage: batch.errorMessage,
    createdAt: batch.createdAt.toISOString(),
    startedAt: batch.startedAt?.toISOString() ?? null,
    completedAt: batch.completedAt?.toISOString() ?? null,
    updatedAt: batch.updatedAt.toISOString(),
  };
}

function toUploadView(upload: UploadRecord): UploadView {
  return {
    uploadId: upload.id,
    filename: upload.filename,
    status: upload.status,
    error: upload.error,
    mimeType: upload.mimeType,
    fileSize: upload.fileSize,
    thumbnailPath: upload.thumbnailPath,
    description: upload.description,
  };
}
