import type { BatchRepository, BatchSnapshot, BatchStatus, FanOutStart, FlowPolicy, ProgressAdvance, Release, UploadChange, UploadStage, UploadStateRequest, UploadStatus } from "@pipeline/core";
import { NEXT_RELEASE_CURSOR, NEXT_RELEASED_UPLOADS, RELEASED_IDS, releaseCtes } from "./releaseWindow.js";
import type { Sql } from "./Sql.js";
import { FLOW_COLUMNS, NIL_UUID, toSnapshot, type BatchRow } from "./rows.js";

const START_FAN_OUT = `
  WITH target AS (
    SELECT id, status, total_uploads FROM upload_batches WHERE id = $1 FOR UPDATE
  ), actual AS (
    SELECT count(*)::int AS n FROM uploads WHERE batch_id = $1
  ), claimed AS (
    UPDATE upload_batches b
       SET status = 'processing', total_uploads = actual.n, started_at = now(), updated_at = now()
      FROM target, actual
     WHERE b.id = target.id AND target.status = 'pending'
    RETURNING b.id
  )
  SELECT target.status, target.total_uploads AS declared_total, actual.n AS actual_total,
         EXISTS (SELECT 1 FROM claimed) AS claimed
    FROM target, actual`;

// The fan-out's release: a batch's first window, or a top-up (resume, a larger window, a retry).
const RELEASE_WINDOW = `
  WITH ${releaseCtes({ batchId: "$1", defaultWindow: "$2", bulkShare: "$3", reclaimLostAfter: "$4" })},
  advanced AS (
    UPDATE upload_batches b SET release_cursor = ${NEXT_RELEASE_CURSOR}, released_uploads = ${NEXT_RELEASED_UPLOADS}
      FROM rel_batch WHERE b.id = rel_batch.id AND EXISTS (SELECT 1 FROM rel_fresh)
    RETURNING b.id
  )
  SELECT (SELECT user_id FROM rel_batch) AS user_id, ${RELEASED_IDS} AS released`;

// Locks the batches in key order so concurrent finalizers of overlapping sets cannot deadlock.
// A batch whose failures passed its tolerance ends `failed` here: its remaining uploads are
// cancelled and counted in the same statement. A batch already final keeps its version (a late
// message changes nothing a client sees). An unfinished batch's push is taken as made at once (a
// lost one is superseded by the next); a final state's only once its pushes were sent
// (RECORD_FINAL_PUSHES), so `pushed_before` is false until then.
const ADVANCE_PROGRESS = `
  WITH locked AS (
    SELECT id, status, updated_at, progress_version, pushed_version,
           status NOT IN ('pending', 'processing') AS was_final,
           (status = 'processing' AND processed_uploads = total_uploads) AS completes,
           (status = 'processing' AND max_failure_percent IS NOT NULL
            AND processed_uploads < total_uploads
            AND failed_uploads * 100.0 > max_failure_percent * total_uploads) AS over_tolerance
      FROM upload_batches WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE
  ), cancelled AS (
    UPDATE uploads u
       SET processing_status = 'cancelled', cancel_reason = 'failure-tolerance', updated_at = now()
      FROM locked
     WHERE locked.over_tolerance AND u.batch_id = locked.id
       AND u.processing_status NOT IN ('completed', 'failed', 'cancelled')
    RETURNING u.batch_id
  ), cancelled_per_batch AS (
    SELECT batch_id, count(*)::int AS n FROM cancelled GROUP BY batch_id
  ), advanced AS (
    SELECT locked.*, CASE WHEN was_final THEN progress_version ELSE progress_version + 1 END AS next_version
      FROM locked
  )
  UPDATE upload_batches b
     SET progress_version = advanced.next_version,
         pushed_version = CASE WHEN advanced.was_final OR advanced.completes OR advanced.over_tolerance
                               THEN b.pushed_version ELSE advanced.next_version END,
         status = CASE WHEN advanced.over_tolerance THEN 'failed'
                       WHEN advanced.completes THEN 'completed'
                       ELSE b.status END,
         cancelled_uploads = b.cancelled_uploads + coalesce(c.n, 0),
         processed_uploads = b.processed_uploads + coalesce(c.n, 0),
         error_message = CASE WHEN advanced.over_tolerance
                              THEN format('failure tolerance exceeded: %s of %s uploads failed (at most %s%% allowed)',
                                          b.failed_uploads, b.total_uploads, b.max_failure_percent)
                              ELSE b.error_message END,
         completed_at = CASE WHEN advanced.over_tolerance OR advanced.completes THEN now() ELSE b.completed_at END,
         updated_at = CASE WHEN advanced.was_final THEN b.updated_at ELSE now() END
    FROM advanced LEFT JOIN cancelled_per_batch c ON c.batch_id = advanced.id
   WHERE b.id = advanced.id
  RETURNING b.id, b.user_id, b.status, b.total_uploads, b.processed_uploads, b.successful_uploads,
            b.failed_uploads, b.cancelled_uploads, b.progress_version, b.started_at, ${FLOW_COLUMNS},
            advanced.status AS previous_status, advanced.updated_at AS previous_updated_at,
            advanced.was_final AND advanced.pushed_version >= advanced.progress_version AS pushed_before`;

// The named uploads are joined on (batch_id, id): an id of another batch's upload finds no row.
// An unfinished upload's last stage is what its stored results show (the processing step stores a
// stage's result before it reports the stage). `named` ranks first, so a truncated push keeps them.
const UPLOAD_STATES = `
  WITH named AS (
    SELECT u.batch_id, u.id, u.processing_status, u.error_message, u.description, u.embedding IS NOT NULL AS has_embedding, 0 AS rank
      FROM unnest($1::uuid[], $2::uuid[]) AS wanted (batch_id, upload_id)
      JOIN uploads u ON u.batch_id = wanted.batch_id AND u.id = wanted.upload_id
  ), first_of_batch AS (
    SELECT u.batch_id, u.id, u.processing_status, u.error_message, u.description, u.embedding IS NOT NULL AS has_embedding, 1 AS rank
      FROM unnest($3::uuid[], $4::int[]) AS whole (batch_id, n)
      CROSS JOIN LATERAL (SELECT * FROM uploads WHERE batch_id = whole.batch_id ORDER BY id LIMIT whole.n) u
  )
  SELECT DISTINCT ON (batch_id, id) batch_id, id, processing_status,
         CASE WHEN processing_status IN ('failed', 'cancelled') THEN error_message END AS error_message,
         CASE WHEN processing_status IN ('completed', 'failed', 'cancelled') THEN NULL
              WHEN has_embedding THEN 'embedding'
              WHEN description IS NOT NULL THEN 'description'
              WHEN processing_status IN ('analyzing', 'embedding') THEN 'thumbnail' END AS stage,
         rank
    FROM (SELECT * FROM named UNION ALL SELECT * FROM first_of_batch) found
   ORDER BY batch_id, id, rank`;

const RECORD_FINAL_PUSHES = `
  UPDATE upload_batches b SET pushed_version = pushed.version
    FROM unnest($1::uuid[], $2::bigint[]) AS pushed (id, version)
   WHERE b.id = pushed.id AND b.pushed_version < pushed.version`;

export class PostgresBatchRepository implements BatchRepository {
  constructor(private readonly sql: Sql) {}

  async startFanOut(batchId: string): Promise<FanOutStart> {
    const { rows } = await this.sql.query<{ status: BatchStatus; declared_total: number; actual_total: number; claimed: boolean }>(START_FAN_OUT, [batchId]);
    const row = rows[0];
    if (!row) return { kind: "not-found" };
    if (row.claimed) return { kind: "started", declaredTotal: row.declared_total, actualTotal: row.actual_total };
    if (row.status === "processing") return { kind: "resumed" };
    return { kind: "finished", status: row.status };
  }

  async statusOf(batchId: string): Promise<BatchStatus | undefined> {
    const { rows } = await this.sql.query<{ status: BatchStatus }>("SELECT status FROM upload_batches WHERE id = $1", [batchId]);
    return rows[0]?.status;
  }

  async releaseWindow(batchId: string, policy: FlowPolicy): Promise<Release> {
    const { rows } = await this.sql.query<{ user_id: string | null; released: string[] }>(RELEASE_WINDOW, [
      batchId,
      policy.defaultMaxInFlight,
      policy.bulkShareWhileInteractive,
      policy.releaseLeaseSeconds,
    ]);
    const row = rows[0];
    return { ownerId: row?.user_id ?? "", uploadIds: row?.released ?? [] };
  }

  async holdWindow(batchId: string): Promise<void> {
    await this.sql.query(
      `UPDATE uploads u SET held = true FROM upload_batches b
        WHERE b.id = $1 AND u.batch_id = b.id AND u.id <= b.release_cursor AND NOT u.held
          AND u.processing_status NOT IN ('completed', 'failed', 'cancelled')`,
      [batchId],
    );
  }

  async unfinishedBatchIds(after: string | null, limit: number): Promise<string[]> {
    const { rows } = await this.sql.query<{ id: string }>(
      "SELECT id FROM upload_batches WHERE status IN ('pending', 'processing') AND id > $1 ORDER BY id LIMIT $2",
      [after ?? NIL_UUID, limit],
    );
    return rows.map((row) => row.id);
  }

  async advanceProgress(batchIds: readonly string[]): Promise<ProgressAdvance[]> {
    if (batchIds.length === 0) return [];
    const { rows } = await this.sql.query<BatchRow & { previous_status: BatchStatus; previous_updated_at: Date; started_at: Date | null; pushed_before: boolean }>(ADVANCE_PROGRESS, [batchIds]);
    return rows.map((row) => {
      const snapshot: BatchSnapshot = toSnapshot(row);
      const finalizedNow = row.previous_status === "processing" && snapshot.status !== "processing";
      return {
        snapshot,
        pushedBefore: row.pushed_before,
        finalizedNow,
        ...(finalizedNow
          ? { finalization: { lastChangeAt: new Date(row.previous_updated_at), startedAt: row.started_at ? new Date(row.started_at) : null } }
          : {}),
      };
    });
  }

  async uploadStates(requests: readonly UploadStateRequest[]): Promise<Map<string, UploadChange[]>> {
    const named = requests.flatMap((request) => request.uploadIds.map((uploadId) => [request.batchId, uploadId] as const));
    const whole = requests.filter((request) => request.firstOfBatch > 0);
    const { rows } = await this.sql.query<{ batch_id: string; id: string; processing_status: UploadStatus; error_message: string | null; stage: UploadStage | null; rank: number }>(
      UPLOAD_STATES,
      [named.map(([batchId]) => batchId), named.map(([, uploadId]) => uploadId), whole.map((request) => request.batchId), whole.map((request) => request.firstOfBatch)],
    );
    const byBatch = new Map<string, Array<UploadChange & { rank: number }>>();
    for (const row of rows) {
      const list = byBatch.get(row.batch_id) ?? [];
      byBatch.set(row.batch_id, list);
      list.push({
        uploadId: row.id,
        status: row.processing_status,
        ...(row.error_message === null ? {} : { error: row.error_message }),
        ...(row.stage === null ? {} : { stage: row.stage }),
        rank: row.rank,
      });
    }
    return new Map([...byBatch].map(([batchId, list]) => [batchId, list.sort((a, b) => a.rank - b.rank).map(({ rank: _rank, ...change }) => change)]));
  }

  async recordFinalPushes(pushed: ReadonlyArray<{ batchId: string; version: number }>): Promise<void> {
    if (pushed.length === 0) return;
    await this.sql.query(RECORD_FINAL_PUSHES, [pushed.map((push) => push.batchId), pushed.map((push) => push.version)]);
  }
}
