import type { BatchControls, BatchPriority, BatchStatus, CancelOutcome, ControlScope, FlowChange, FlowOutcome, RetryOutcome } from "@pipeline/core";
import type { Sql } from "./Sql.js";

// The batch's remaining uploads are cancelled and counted in one statement, so a worker finishing
// one of them concurrently either counts it itself (it is then terminal and skipped here) or finds
// it cancelled. The unfinished uploads are locked first, in key order, as every claim and outcome
// commit locks its own, and the batch row after them. A cancel that took the row first and then
// the uploads in scan order deadlocked with claims and commits holding some of them (2 claims in
// one benchmark run): now a commit holding uploads the cancel wants finishes first, and a claim
// queues behind the cancel.
const CANCEL = `
  WITH locked AS (
    SELECT u.id FROM uploads u
     WHERE u.batch_id = $1 AND u.processing_status NOT IN ('completed', 'failed', 'cancelled')
       AND EXISTS (SELECT 1 FROM upload_batches
                    WHERE id = $1 AND ($2::text IS NULL OR user_id = $2) AND status IN ('pending', 'processing'))
     ORDER BY u.id FOR UPDATE OF u
  ), target AS (
    SELECT id, status FROM upload_batches
     WHERE id = $1 AND ($2::text IS NULL OR user_id = $2) AND (SELECT count(*) FROM locked) >= 0
       FOR UPDATE
  ), moved AS (
    UPDATE uploads u
       SET processing_status = 'cancelled', cancel_reason = $3, updated_at = now()
      FROM target, locked
     WHERE target.status IN ('pending', 'processing') AND u.id = locked.id AND u.batch_id = target.id
       AND u.processing_status NOT IN ('completed', 'failed', 'cancelled')
    RETURNING u.id
  ), changed AS (
    UPDATE upload_batches b
       SET status = 'cancelled',
           total_uploads = (SELECT count(*) FROM uploads WHERE batch_id = $1),
           processed_uploads = b.processed_uploads + (SELECT count(*) FROM moved),
           cancelled_uploads = b.cancelled_uploads + (SELECT count(*) FROM moved),
           error_message = $4,
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
       SET processing_status = 'pending', error_message = NULL, cancel_reason = NULL, attempts = 0, updated_at = now(),
           -- Released before: held, so the batch message after this releases them first, within the window.
           held = true
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

// Pause, resume and flow changes lock the batch row, as releases do, so a release reads the state
// either before the change or after it. Another user's batch is not found (the owner's scope).
const TARGET = `SELECT id, status, paused_at, priority, max_in_flight FROM upload_batches
                 WHERE id = $1 AND ($2::text IS NULL OR user_id = $2) FOR UPDATE`;
const FLOW_RESULT = `
  SELECT t.status, EXISTS (SELECT 1 FROM changed) AS changed,
         coalesce((SELECT paused FROM changed), t.paused_at IS NOT NULL) AS paused,
         coalesce((SELECT priority FROM changed), t.priority) AS priority,
         CASE WHEN EXISTS (SELECT 1 FROM changed) THEN (SELECT max_in_flight FROM changed) ELSE t.max_in_flight END AS max_in_flight
    FROM target t`;

const PAUSE = `
  WITH target AS (${TARGET}), changed AS (
    UPDATE upload_batches b SET paused_at = now(), updated_at = now()
      FROM target t WHERE b.id = t.id AND t.status IN ('pending', 'processing') AND t.paused_at IS NULL
    RETURNING true AS paused, b.priority, b.max_in_flight
  ) ${FLOW_RESULT}`;

// The time paused after the batch started is kept out of its rate (the time-left estimate).
const RESUME = `
  WITH target AS (${TARGET}), changed AS (
    UPDATE upload_batches b
       SET paused_at = NULL, updated_at = now(),
           paused_millis = b.paused_millis + CASE WHEN b.started_at IS NULL THEN 0
             ELSE greatest(0, floor(extract(epoch FROM now() - greatest(b.paused_at, b.started_at)) * 1000))::bigint END
      FROM target t WHERE b.id = t.id AND t.status IN ('pending', 'processing') AND t.paused_at IS NOT NULL
    RETURNING false AS paused, b.priority, b.max_in_flight
  ) ${FLOW_RESULT}`;

// $3: whether the window is set ($4, NULL for the default); $5: the priority, NULL to keep it.
const CHANGE_FLOW = `
  WITH target AS (${TARGET}), changed AS (
    UPDATE upload_batches b
       SET max_in_flight = CASE WHEN $3::boolean THEN $4::int ELSE b.max_in_flight END,
           priority = coalesce($5, b.priority), updated_at = now()
      FROM target t
     WHERE b.id = t.id AND t.status IN ('pending', 'processing')
       AND (($3::boolean AND t.max_in_flight IS DISTINCT FROM $4::int) OR ($5::text IS NOT NULL AND t.priority <> $5))
    RETURNING b.paused_at IS NOT NULL AS paused, b.priority, b.max_in_flight
  ) ${FLOW_RESULT}`;

interface FlowRow extends Record<string, unknown> {
  status: BatchStatus;
  changed: boolean;
  paused: boolean;
  priority: BatchPriority;
  max_in_flight: number | null;
}

export class PostgresBatchControls implements BatchControls {
  constructor(private readonly sql: Sql) {}

  async cancel(batchId: string, scope: ControlScope = {}): Promise<CancelOutcome> {
    const byOwner = scope.ownerId !== undefined;
    const parameters = [batchId, scope.ownerId ?? null, byOwner ? "owner" : "operator", byOwner ? "cancelled by its owner" : "cancelled by an operator"];
    const { rows } = await retryDeadlocks(() => this.sql.query<{ previous_status: BatchStatus; cancelled: number }>(CANCEL, parameters));
    const row = rows[0];
    if (!row) return { kind: "not-found" };
    if (row.previous_status !== "pending" && row.previous_status !== "processing") return { kind: "already-final", status: row.previous_status };
    return { kind: "cancelled", cancelledUploads: row.cancelled };
  }

  pause(batchId: string, scope: ControlScope = {}): Promise<FlowOutcome> {
    return this.flow(PAUSE, [batchId, scope.ownerId ?? null]);
  }

  resume(batchId: string, scope: ControlScope = {}): Promise<FlowOutcome> {
    return this.flow(RESUME, [batchId, scope.ownerId ?? null]);
  }

  changeFlow(batchId: string, change: FlowChange, scope: ControlScope = {}): Promise<FlowOutcome> {
    const setsWindow = change.maxInFlight !== undefined;
    return this.flow(CHANGE_FLOW, [batchId, scope.ownerId ?? null, setsWindow, setsWindow ? change.maxInFlight : null, change.priority ?? null]);
  }

  private async flow(statement: string, parameters: unknown[]): Promise<FlowOutcome> {
    const { rows } = await this.sql.query<FlowRow>(statement, parameters);
    const row = rows[0];
    if (!row) return { kind: "not-found" };
    if (row.status !== "pending" && row.status !== "processing") return { kind: "already-final", status: row.status };
    return { kind: "applied", changed: row.changed, paused: row.paused, priority: row.priority, maxInFlight: row.max_in_flight };
  }

  async retryFailed(batchId: string): Promise<RetryOutcome> {
    const { rows } = await this.sql.query<{ previous_status: BatchStatus; retried: number }>(RETRY_FAILED, [batchId]);
    const row = rows[0];
    if (!row) return { kind: "not-found" };
    if (row.previous_status === "pending" || row.previous_status === "cancelled") return { kind: "not-retryable", status: row.previous_status };
    return { kind: "retried", uploads: row.retried };
  }
}

/** Postgres's deadlock_detected: it aborted this statement to break a cycle of lock waits. */
const DEADLOCK_DETECTED = "40P01";
const DEADLOCK_ATTEMPTS = 5;

/**
 * A cancel locks the unfinished uploads in key order, then the batch row; an outcome commit locks
 * its uploads, then the batch row, then stamps the uploads it releases. A release can stamp a
 * lost upload the cancel reaches first, so the two can still wait on each other, rarely, and
 * Postgres aborts one: the commit's worker requeues its messages; a cancel is simply run again (it
 * is one statement, so nothing of it was kept).
 */
async function retryDeadlocks<T>(statement: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await statement();
    } catch (error) {
      if ((error as { code?: unknown }).code !== DEADLOCK_DETECTED || attempt >= DEADLOCK_ATTEMPTS) throw error;
    }
  }
}
