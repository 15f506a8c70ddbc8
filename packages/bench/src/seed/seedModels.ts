/*
 * Port of the seed's model methods that its batch worker calls (vuemantics, backend/models/UploadBatch.py
 * and Upload.py): one statement each, as the seed sends them, against this project's tables (which
 * keep the seed's names). The seed's objects are mutable and each method copies the returned columns
 * into them; so do these.
 *
 * Left out: `ensure_table_exists`, the seed's `description_audit_score` column (this schema has none),
 * and its `embedding_local vector(1024)`, written here to the schema's `embedding real[]`.
 */
import type pg from "pg";

export interface SeedBatch {
  id: string;
  user_id: string;
  status: string;
  total_uploads: number;
  processed_uploads: number;
  successful_uploads: number;
  failed_uploads: number;
  error_message: string | null;
  updated_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

/** `SELECT *` of an upload, as the seed's `Upload` holds it. */
export interface SeedUpload {
  id: string;
  user_id: string;
  batch_id: string;
  filename: string;
  file_path: string;
  file_type: string | null;
  file_size: string | null;
  mime_type: string | null;
  processing_status: string;
  description: string | null;
  thumbnail_path: string | null;
  error_message: string | null;
  embedding: number[] | null;
  updated_at: Date;
}

/** `UploadBatch.find_by_id`. */
export async function findBatch(sql: pg.Pool, batchId: string): Promise<SeedBatch | undefined> {
  const { rows } = await sql.query<SeedBatch>("SELECT * FROM upload_batches WHERE id = $1", [batchId]);
  return rows[0];
}

/** `UploadBatch.update_status`. */
export async function updateBatchStatus(sql: pg.Pool, batch: SeedBatch, status: string, errorMessage: string | null = null): Promise<void> {
  const { rows } = await sql.query<Pick<SeedBatch, "updated_at" | "started_at" | "completed_at">>(
    `UPDATE upload_batches
        SET status = $1,
            error_message = $2,
            started_at = COALESCE(started_at, NOW()),
            completed_at = CASE WHEN $1 IN ('completed', 'failed', 'cancelled') THEN NOW() ELSE completed_at END,
            updated_at = NOW()
      WHERE id = $3
      RETURNING updated_at, started_at, completed_at`,
    [status, errorMessage, batch.id],
  );
  const row = rows[0];
  if (row) Object.assign(batch, { status, error_message: errorMessage }, row);
}

/** `UploadBatch.increment_progress`: one UPDATE of the batch row per upload. */
export async function incrementProgress(sql: pg.Pool, batch: SeedBatch, successful: boolean): Promise<void> {
  const query = successful
    ? `UPDATE upload_batches
          SET processed_uploads = processed_uploads + 1,
              successful_uploads = successful_uploads + 1,
              updated_at = NOW()
        WHERE id = $1
        RETURNING processed_uploads, successful_uploads, updated_at`
    : `UPDATE upload_batches
          SET processed_uploads = processed_uploads + 1,
              failed_uploads = failed_uploads + 1,
              updated_at = NOW()
        WHERE id = $1
        RETURNING processed_uploads, failed_uploads, updated_at`;
  const { rows } = await sql.query<Partial<SeedBatch>>(query, [batch.id]);
  if (rows[0]) Object.assign(batch, rows[0]);
}

/** The worker's own query: every upload of the batch, at once, into memory. */
export async function uploadsOfBatch(sql: pg.Pool, batchId: string): Promise<SeedUpload[]> {
  const { rows } = await sql.query<SeedUpload>("SELECT * FROM uploads WHERE batch_id = $1 ORDER BY created_at ASC", [batchId]);
  return rows;
}

/** `Upload.find_by_id`. */
export async function findUpload(sql: pg.Pool, uploadId: string): Promise<SeedUpload | undefined> {
  const { rows } = await sql.query<SeedUpload>("SELECT * FROM uploads WHERE id = $1", [uploadId]);
  return rows[0];
}

/** `Upload.refresh`: re-reads the row into the object; the seed raises when the row is gone. */
export async function refreshUpload(sql: pg.Pool, upload: SeedUpload): Promise<void> {
  const fresh = await findUpload(sql, upload.id);
  if (!fresh) throw new UploadDeletedError(upload.id);
  Object.assign(upload, fresh);
}

/** `Upload.update_status`. */
export async function updateUploadStatus(sql: pg.Pool, upload: SeedUpload, status: string, errorMessage: string | null = null): Promise<void> {
  const { rows } = await sql.query<{ updated_at: Date }>(
    "UPDATE uploads SET processing_status = $1, error_message = $2, updated_at = NOW() WHERE id = $3 RETURNING updated_at",
    [status, errorMessage, upload.id],
  );
  if (rows[0]) Object.assign(upload, { processing_status: status, error_message: errorMessage, updated_at: rows[0].updated_at });
}

/** `Upload.update_analysis`: description, embedding and `completed` in one UPDATE. */
export async function updateAnalysis(sql: pg.Pool, upload: SeedUpload, description: string, embedding: readonly number[]): Promise<void> {
  if (embedding.length === 0) throw new TypeError("Invalid embedding format");
  const { rows } = await sql.query<{ updated_at: Date }>(
    "UPDATE uploads SET description = $1, embedding = $2, processing_status = $3, updated_at = NOW() WHERE id = $4 RETURNING updated_at",
    [description, embedding, "completed", upload.id],
  );
  if (rows[0]) Object.assign(upload, { description, embedding: [...embedding], processing_status: "completed", updated_at: rows[0].updated_at });
}

/** The seed's `ValueError` from `refresh` when the upload was deleted mid-processing. */
export class UploadDeletedError extends Error {
  override readonly name = "UploadDeletedError";
  constructor(readonly uploadId: string) {
    super(`upload ${uploadId} no longer exists`);
  }
}
