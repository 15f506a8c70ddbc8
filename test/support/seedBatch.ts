import type { Sql } from "@pipeline/functions";

export { seedBatch, type SeedBatchOptions } from "@pipeline/local/fixtures/seedBatch";

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
