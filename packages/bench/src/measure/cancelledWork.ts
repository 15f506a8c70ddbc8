import type pg from "pg";

export interface CancelledWork {
  /** Claimed (`attempts > 0`) and unfinished when the cancel committed, which marked them cancelled. */
  underWay: number;
  /** Released (up to the cursor, not held), never claimed, cancelled. */
  queued: number;
  /** Not terminal: an upload claimed after the cancel would be `processing` again. */
  unfinished: number;
}

/**
 * What a cancelled batch's rows say about the work around its cancel. Exact, with no clock: the
 * cancel marks every unfinished upload cancelled in the statement that locks the batch, a claim
 * raises `attempts` and refuses a cancelled upload (either waits for the other's row lock), and an
 * outcome commit leaves a cancelled upload alone. So a cancelled upload with `attempts > 0` was
 * being processed when the cancel committed and its processing ran on after it, and nothing else
 * was; no row reaches `completed` after the cancel, which is why the rows' `updated_at` cannot tell.
 * (A claimed upload waiting for a retry would count too; real images do not fail.)
 */
export async function cancelledWork(admin: pg.Pool, batchId: string): Promise<CancelledWork> {
  const { rows } = await admin.query<{ under_way: number; queued: number; unfinished: number }>(
    `SELECT count(*) FILTER (WHERE u.processing_status = 'cancelled' AND u.attempts > 0)::int AS under_way,
            count(*) FILTER (WHERE u.processing_status = 'cancelled' AND u.attempts = 0 AND u.id <= b.release_cursor AND NOT u.held)::int AS queued,
            count(*) FILTER (WHERE u.processing_status NOT IN ('completed', 'failed', 'cancelled'))::int AS unfinished
       FROM upload_batches b JOIN uploads u ON u.batch_id = b.id
      WHERE b.id = $1`,
    [batchId],
  );
  const row = rows[0];
  return { underWay: row?.under_way ?? 0, queued: row?.queued ?? 0, unfinished: row?.unfinished ?? 0 };
}
