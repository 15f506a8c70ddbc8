import type { Sql } from "@pipeline/functions";
import { seedBatch as seedUploads } from "@pipeline/local/fixtures/seedBatch";
import type pg from "pg";

/** The owner of every batch the benchmark writes; with DATABASE_URL its rows are deleted at the end. */
export const BENCH_USER = "bench-user";

/** Writes a batch of the benchmark's user and its uploads, in one statement, however many uploads. */
export function seedBatch(admin: Sql, uploads: number, declaredTotal = uploads): Promise<string> {
  return seedUploads(admin, { userId: BENCH_USER, uploads, declaredTotal });
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
