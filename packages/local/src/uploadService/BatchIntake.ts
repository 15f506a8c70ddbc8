import type { Sql } from "@pipeline/adapters/postgres";

export interface IntakeFile {
  uploadId: string;
  filename: string;
  key: string;
  size: number;
  mimeType: string;
}

/** What the upload service writes: one batch row and one row per file, in one statement. */
export class BatchIntake {
  constructor(private readonly sql: Sql) {}

  async create(batchId: string, userId: string, files: readonly IntakeFile[]): Promise<void> {
    await this.sql.query(
      `WITH batch AS (
         INSERT INTO upload_batches (id, user_id, total_uploads) VALUES ($1, $2, $3) RETURNING id
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
      ],
    );
  }
}
