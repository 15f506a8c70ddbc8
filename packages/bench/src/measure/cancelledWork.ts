import type pg from "pg";

export interface CancelledWork {
  /** Claimed (`attempts > 0`) and unfinished when the cancel committed, which marked them cancelled. */
  underWay: number;
  /** Completed or failed by a statement that began after the cancel's (`updated_at >= completed_at`, both `now()`). */
  finishedAfter: number;
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
 * was. `finishedAfter` counts what a cancel that let in-flight uploads finish would leave instead
 * (none today: no row reaches `completed` after the cancel, so `updated_at` alone cannot tell).
 * (A claimed upload waiting for a retry would count as under way; real images do not fail.)
 */
export async function cancelledWork(admin: pg.Pool, batchId: string): Promise<CancelledWork> {
  const { rows } = await admin.query<{ under_way: number; finished_after: number; queued: number; unfinished: number }>(
    `SELECT count(*) FILTER (WHERE u.processing_status = 'cancelled' AND u.attempts > 0)::int AS under_way,
            count(*) FILTER (WHERE u.processing_status IN ('completed', 'failed') AND u.updated_at >= b.completed_at)::int AS finished_after,
            count(*) FILTER (WHERE u.processing_status = 'cancelled' AND u.attempts = 0 AND u.id <= b.release_cursor AND NOT u.held)::int AS queued,
            count(*) FILTER (WHERE u.processing_status NOT IN ('completed', 'failed', 'cancelled'))::int AS unfinished
       FROM upload_batches b JOIN uploads u ON u.batch_id = b.id
      WHERE b.id = $1`,
    [batchId],
  );
  const row = rows[0];
  return { underWay: row?.under_way ?? 0, finishedAfter: row?.finished_after ?? 0, queued: row?.queued ?? 0, unfinished: row?.unfinished ?? 0 };
}
