import { isTerminalUploadStatus, type StageResults, type StageStore, type UploadStatus } from "@pipeline/core";
import type { InMemoryDatabase } from "./InMemoryDatabase.js";

export class InMemoryStageStore implements StageStore {
  constructor(private readonly database: InMemoryDatabase) {}

  async save(uploadId: string, status: UploadStatus, results: StageResults): Promise<void> {
    if (isTerminalUploadStatus(status)) {
      throw new RangeError(`stage results cannot move upload ${uploadId} to ${status}: terminal states are recorded with their counters`);
    }
    const upload = this.database.uploads.get(uploadId);
    if (!upload || isTerminalUploadStatus(upload.status)) return;
    Object.assign(upload, {
      status,
      thumbnailPath: results.thumbnailPath ?? upload.thumbnailPath,
      metadata: results.metadata ?? upload.metadata,
      description: results.description ?? upload.description,
      embedding: results.embedding ?? upload.embedding,
      updatedAt: this.database.now(),
    });
  }
}
