import type pg from "pg";

/** The owner of every batch the benchmark writes; with DATABASE_URL its rows are deleted at the end. */
export const BENCH_USER = "bench-user";

/**
 * Writes a batch and its uploads as the upload service does, in one statement, however many
 * uploads. Every batch of the same size gets identical uploads (names, paths, sizes).
 */
export async function seedBatch(admin: pg.Pool, uploads: number, declaredTotal = uploads): Promise<string> {
  const { rows } = await admin.query<{ id: string }>(
    `WITH batch AS (
       INSERT INTO upload_batches (user_id, total_uploads) VALUES ($1, $2) RETURNING id
     ), files AS (
       INSERT INTO uploads (user_id, batch_id, filename, file_path, file_type, file_size, mime_type)
       SELECT $1, batch.id, 'photo-' || n || '.jpg', 'uploads/' || $1 || '/' || n || '.jpg', 'image', 1000 + n, 'image/jpeg'
         FROM batch, generate_series(1, $3::int) AS n
     )
     SELECT id FROM batch`,
    [BENCH_USER, declaredTotal, uploads],
  );
  const id = rows[0]?.id;
  if (!id) throw new Error("batch not created");
  return id;
}

export interface BatchCounts {
  status: string;
  processed: number;
  successful: number;
  failed: number;
  /** Terminal uploads according to the uploads table, to hold the counters against. */
  terminal: number;
  /** When the batch's last upload changed (its terminal commit), epoch milliseconds. */
  lastChangeAt: number;
}

export async function batchCounts(admin: pg.Pool, batchId: string): Promise<BatchCounts> {
  const { rows } = await admin.query<Record<string, string | number>>(
    `SELECT b.status, b.processed_uploads, b.successful_uploads, b.failed_uploads,
            count(u.id) FILTER (WHERE u.processing_status IN ('completed', 'failed', 'cancelled'))::int AS terminal,
            (extract(epoch FROM max(u.updated_at)) * 1000)::float8 AS last_change_at
       FROM upload_batches b LEFT JOIN uploads u ON u.batch_id = b.id
      WHERE b.id = $1 GROUP BY b.id`,
    [batchId],
  );
  const row = rows[0];
  if (!row) throw new Error(`batch ${batchId} not found`);
  return {
    status: String(row.status),
    processed: Number(row.processed_uploads),
    successful: Number(row.successful_uploads),
    failed: Number(row.failed_uploads),
    terminal: Number(row.terminal),
    lastChangeAt: Number(row.last_change_at),
  };
}

/** Removes batches (their uploads go with them), so that no later stack resumes them. */
export async function deleteBatches(admin: pg.Pool, batchIds: readonly string[]): Promise<void> {
  await admin.query("DELETE FROM upload_batches WHERE id = ANY($1::uuid[])", [batchIds]);
}
