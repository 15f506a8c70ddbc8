import type { BatchControls, BatchStatus, CancelOutcome, RetryOutcome } from "@pipeline/core";
import type { Sql } from "./Sql.js";

// The batch row is locked first; its remaining uploads are cancelled and counted in the same
// statement, so a worker finishing one of them concurrently either counts it itself (it is then
// terminal and skipped here) or finds it cancelled.
const CANCEL = `
  WITH target AS (
    SELECT id, status FROM upload_batches WHERE id = $1 FOR UPDATE
  ), moved AS (
    UPDATE uploads u
       SET processing_status = 'cancelled', cancel_reason = 'operator', updated_at = now()
      FROM target
     WHERE target.status IN ('pending', 'processing') AND u.batch_id = target.id
       AND u.processing_status NOT IN ('completed', 'failed', 'cancelled')
    RETURNING u.id
  ), changed AS (
    UPDATE upload_batches b
       SET status = 'cancelled',
           total_uploads = (SELECT count(*) FROM uploads WHERE batch_id = $1),
           processed_uploads = b.processed_uploads + (SELECT count(*) FROM moved),
           cancelled_uploads = b.cancelled_uploads + (SELECT count(*) FROM moved),
           error_message = 'cancelled by an operator',
           progress_version = b.progress_version + 1,
           completed_at = now(), updated_at = now()
      FROM target
     WHERE b.id = target.id AND target.status IN ('pending', 'processing')
    RETURNING b.id
  )
  SELECT target.status AS previous_status, (SELECT count(*) FROM moved)::int AS cancelled
    FROM target`;

// Failed uploads (and, for a batch that failed past its tolerance, the uploads that were cancelled
// for it) go back to pending, and the counters go down by exactly those, in one statement.
const RETRY_FAILED = `
  WITH target AS (
    SELECT id, status FROM upload_batches WHERE id = $1
  ), locked AS (
    SELECT u.id, u.processing_status AS was
      FROM uploads u JOIN target t ON u.batch_id = t.id
     WHERE t.status IN ('processing', 'completed', 'failed')
       AND (u.processing_status = 'failed'
            OR (t.status = 'failed' AND u.processing_status = 'cancelled' AND u.cancel_reason = 'failure-tolerance'))
     ORDER BY u.id FOR UPDATE OF u
  ), moved AS (
    UPDATE uploads u
       SET processing_status = 'pending', error_message = NULL, cancel_reason = NULL, attempts = 0, updated_at = now()
      FROM locked
     WHERE u.id = locked.id
    RETURNING u.id
  ), tally AS (
    SELECT count(*) FILTER (WHERE locked.was = 'failed')::int AS failed,
           count(*) FILTER (WHERE locked.was = 'cancelled')::int AS cancelled
      FROM moved JOIN locked ON locked.id = moved.id
  ), changed AS (
    UPDATE upload_batches b
       SET processed_uploads = b.processed_uploads - t.failed - t.cancelled,
           failed_uploads = b.failed_uploads - t.failed,
           cancelled_uploads = b.cancelled_uploads - t.cancelled,
           status = 'processing', error_message = NULL, completed_at = NULL,
           progress_version = b.progress_version + 1, updated_at = now()
      FROM tally t
     WHERE b.id = $1 AND t.failed + t.cancelled > 0
    RETURNING b.id
  )
  SELECT target.status AS previous_status, (SELECT failed + cancelled FROM tally) AS retried
    FROM target`;

export class PostgresBatchControls implements BatchControls {
  constructor(private readonly sql: Sql) {}

  async cancel(batchId: string): Promise<CancelOutcome> {
    const { rows } = await this.sql.query<{ previous_status: BatchStatus; cancelled: number }>(CANCEL, [batchId]);
    const row = rows[0];
    if (!row) return { kind: "not-found" };
    if (row.previous_status !== "pending" && row.previous_status !== "processing") return { kind: "already-final", status: row.previous_status };
    return { kind: "cancelled", cancelledUploads: row.cancelled };
  }

  async retryFailed(batchId: string): Promise<RetryOutcome> {
    const { rows } = await this.sql.query<{ previous_status: BatchStatus; retried: number }>(RETRY_FAILED, [batchId]);
    const row = rows[0];
    if (!row) return { kind: "not-found" };
    if (row.previous_status === "pending" || row.previous_status === "cancelled") return { kind: "not-retryable", status: row.previous_status };
    return { kind: "retried", uploads: row.retried };
  }
}
