import type { Sql } from "@pipeline/adapters/postgres";
import { seedBatch as seedUploads } from "@pipeline/testkit";
import type pg from "pg";

/** The owner of every batch the benchmark writes; with DATABASE_URL its rows are deleted at the end. */
export const BENCH_USER = "bench-user";

/** Writes a batch of the benchmark's user and its uploads, in one statement, however many uploads. */
export function seedBatch(admin: Sql, uploads: number, declaredTotal = uploads): Promise<string> {
  return seedUploads(admin, { userId: BENCH_USER, uploads, declaredTotal });
}

export { batchState } from "@pipeline/testkit";

/** When the batch's last upload changed (its terminal commit: `updated_at`, the statement's start), epoch milliseconds. */
export async function lastUploadChangeAt(admin: Sql, batchId: string): Promise<number> {
  const { rows } = await admin.query<{ at: number | null }>("SELECT (extract(epoch FROM max(updated_at)) * 1000)::float8 AS at FROM uploads WHERE batch_id = $1", [batchId]);
  const at = rows[0]?.at;
  if (at === null || at === undefined) throw new Error(`batch ${batchId} has no uploads`);
  return Number(at);
}

/** When the batch's row was written (`created_at`), epoch milliseconds. */
export async function batchCreatedAt(admin: Sql, batchId: string): Promise<number> {
  const { rows } = await admin.query<{ at: number }>("SELECT (extract(epoch FROM created_at) * 1000)::float8 AS at FROM upload_batches WHERE id = $1", [batchId]);
  const at = rows[0]?.at;
  if (at === undefined) throw new Error(`no batch ${batchId}`);
  return Number(at);
}

/** Removes batches (their uploads go with them), so that no later stack resumes them. */
export async function deleteBatches(admin: pg.Pool, batchIds: readonly string[]): Promise<void> {
  await admin.query("DELETE FROM upload_batches WHERE id = ANY($1::uuid[])", [batchIds]);
}
