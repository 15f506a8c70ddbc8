import type { Sql } from "@pipeline/functions";

export interface SeedBatchOptions {
  userId: string;
  uploads: number;
  /** What the upload service declared; defaults to the real number. */
  declaredTotal?: number;
}

/** Writes a batch and its uploads as the upload service does, in one statement. */
export async function seedBatch(sql: Sql, options: SeedBatchOptions): Promise<string> {
  const { rows } = await sql.query<{ id: string }>(
    `WITH batch AS (
       INSERT INTO upload_batches (user_id, total_uploads) VALUES ($1, $2) RETURNING id
     ), files AS (
       INSERT INTO uploads (user_id, batch_id, filename, file_path, file_type, file_size, mime_type)
       SELECT $1, batch.id, 'photo-' || n || '.jpg', 'uploads/' || batch.id || '/' || n || '.jpg', 'image', 1000 + n, 'image/jpeg'
         FROM batch, generate_series(1, $3::int) AS n
     )
     SELECT id FROM batch`,
    [options.userId, options.declaredTotal ?? options.uploads, options.uploads],
  );
  const id = rows[0]?.id;
  if (!id) throw new Error("batch not created");
  return id;
}

export interface BatchState {
  status: string;
  total: number;
  processed: number;
  successful: number;
  failed: number;
  cancelled: number;
  /** Counted from the uploads table, for comparison with the counters. */
  actual: { terminal: number; completed: number; failed: number; cancelled: number; all: number };
}

export async function batchState(sql: Sql, batchId: string): Promise<BatchState> {
  const { rows } = await sql.query<Record<string, number | string>>(
    `SELECT b.status, b.total_uploads, b.processed_uploads, b.successful_uploads, b.failed_uploads, b.cancelled_uploads,
            count(u.id) FILTER (WHERE u.processing_status IN ('completed', 'failed', 'cancelled'))::int AS terminal,
            count(u.id) FILTER (WHERE u.processing_status = 'completed')::int AS completed,
            count(u.id) FILTER (WHERE u.processing_status = 'failed')::int AS failed,
            count(u.id) FILTER (WHERE u.processing_status = 'cancelled')::int AS cancelled,
            count(u.id)::int AS all_uploads
       FROM upload_batches b LEFT JOIN uploads u ON u.batch_id = b.id
      WHERE b.id = $1 GROUP BY b.id`,
    [batchId],
  );
  const row = rows[0];
  if (!row) throw new Error(`batch ${batchId} not found`);
  return {
    status: String(row.status),
    total: Number(row.total_uploads),
    processed: Number(row.processed_uploads),
    successful: Number(row.successful_uploads),
    failed: Number(row.failed_uploads),
    cancelled: Number(row.cancelled_uploads),
    actual: { terminal: Number(row.terminal), completed: Number(row.completed), failed: Number(row.failed), cancelled: Number(row.cancelled), all: Number(row.all_uploads) },
  };
}
