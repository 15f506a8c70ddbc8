import type { Sql } from "@pipeline/adapters/postgres";
import { defaultPriority } from "@pipeline/core";
import { wiring } from "@pipeline/wiring";
import type { NewBatchFlow } from "./flowRequests.js";

export interface IntakeFile {
  uploadId: string;
  filename: string;
  key: string;
  size: number;
  mimeType: string;
}

/**
 * What the upload service writes: one batch row (with how its uploads are released; no window of
 * its own means the stage's default) and one row per file, in one statement.
 */
export class BatchIntake {
  constructor(private readonly sql: Sql) {}

  async create(batchId: string, userId: string, files: readonly IntakeFile[], flow: NewBatchFlow = {}): Promise<void> {
    await this.sql.query(
      `WITH batch AS (
         INSERT INTO upload_batches (id, user_id, total_uploads, priority, max_in_flight) VALUES ($1, $2, $3, $9, $10) RETURNING id
       )
       INSERT INTO uploads (id, user_id, batch_id, filename, file_path, file_type, file_size, mime_type)
       SELECT f.id, $2, batch.id, f.filename, f.key, split_part(f.mime, '/', 1), f.size, f.mime
         FROM batch, unnest($4::uuid[], $5::text[], $6::text[], $7::bigint[], $8::text[]) AS f(id, filename, key, size, mime)`,
      [
        batchId,
        userId,
        files.length,
        files.map((file) => file.uploadId),
        files.map((file) => file.filename),
        files.map((file) => file.key),
        files.map((file) => file.size),
        files.map((file) => file.mimeType),
        // Not named by the submitter: by the batch's size (a large batch is bulk, docs/design.md).
        flow.priority ?? defaultPriority(files.length, wiring.flowControl),
        flow.maxInFlight ?? null,
      ],
    );
  }
}
