import { NIL_UUID } from "./rows.js";

const UNFINISHED = "processing_status NOT IN ('completed', 'failed', 'cancelled')";

export interface ReleaseParameters {
  /** Placeholders of the batch id, the stage's default window and the bulk share. */
  batchId: string;
  defaultWindow: string;
  bulkShare: string;
  /** A condition the batch's lock waits for: in an outcome commit, that its uploads are locked and something moved. */
  lockWhen?: string;
  /** A CTE of upload ids this statement already moved to a terminal state (its snapshot still shows them unfinished). */
  moved?: string;
  /**
   * The placeholder of the release lease (seconds) where released uploads not started within it
   * are released again (the fan-out's release); none in an outcome commit, which leaves them to it.
   */
  reclaimLostAfter?: string;
}

/**
 * The CTEs that top up a batch's window (docs/design.md, "Flow control"), shared by the fan-out's
 * release and the worker's outcome commit. `rel_batch` locks the batch row, so concurrent releases
 * of one batch queue and each reads the cursor and the counters the last one left.
 *
 * In flight is counted from the row, not by scanning uploads: the uploads released
 * (`released_uploads`, up to the cursor) less those finished (`processed_uploads`, and what this
 * statement moved) less the held ones (a partial index of a few rows). A scan of the uploads below
 * the cursor cost each commit in proportion to the uploads already done: the planner cannot know
 * that few of them are unfinished, and on a table one batch fills it walked them all (a benchmark
 * run's Postgres CPU per upload went from 0.60 to 1.44 ms, the 0 ms throughput fell 41 %).
 *
 * A release stamps what it releases (`updated_at`): a released upload still `pending` (never
 * claimed) a lease later lost its message (a worker died between its commit and its send, or the
 * commit's answer was lost). The fan-out's release (`reclaimLostAfter`) finds those, counts them
 * out of what is in flight and releases them again, with the held ones, first; the worker sends
 * the batch message that runs it whenever a commit's releases may be lost.
 *
 * Defines `rel_batch` (the batch, if processing and not paused), `rel_room` (how many may be
 * released), `rel_unheld` (held and lost uploads released again, first) and `rel_fresh` (the next
 * uploads after the cursor). The caller moves `release_cursor` to the last of `rel_fresh` and adds
 * their number to `released_uploads` (`NEXT_RELEASE_CURSOR`, `NEXT_RELEASED_UPLOADS`).
 */
export function releaseCtes(p: ReleaseParameters): string {
  const notMoved = p.moved ? `AND u.id NOT IN (SELECT id FROM ${p.moved})` : "";
  const movedCount = p.moved ? `(SELECT count(*) FROM ${p.moved})` : "0";
  // The cursor comes in as an InitPlan's parameter, so the scans after it are index ranges.
  const cursor = `coalesce((SELECT release_cursor FROM rel_batch), '${NIL_UUID}'::uuid)`;
  const lost = `(u.processing_status = 'pending' AND NOT u.held AND u.id <= ${cursor}
                 AND u.updated_at < now() - make_interval(secs => ${p.reclaimLostAfter}::float8))`;
  const lostCount = p.reclaimLostAfter ? `(SELECT count(*) FROM uploads u WHERE u.batch_id = ${p.batchId} AND ${lost} ${notMoved})` : "0";
  const room = "coalesce((SELECT k FROM rel_room), 0)";
  return `
  rel_batch AS (
    SELECT b.id, b.user_id, b.release_cursor, b.released_uploads, b.processed_uploads, b.priority,
           coalesce(b.max_in_flight, ${p.defaultWindow}::int) AS cap
      FROM upload_batches b
     WHERE b.id = ${p.batchId} AND b.status = 'processing' AND b.paused_at IS NULL ${p.lockWhen ? `AND ${p.lockWhen}` : ""}
       FOR UPDATE
  ), rel_room AS (
    SELECT r.id,
           greatest(0, CASE WHEN r.priority = 'bulk' AND EXISTS (
                              SELECT 1 FROM upload_batches i
                               WHERE i.status = 'processing' AND i.priority = 'interactive' AND i.paused_at IS NULL)
                            THEN greatest(1, floor(r.cap * ${p.bulkShare}::float8)::int)
                            ELSE r.cap END
                       - greatest(0, r.released_uploads - r.processed_uploads - ${movedCount}
                          - (SELECT count(*) FROM uploads u WHERE u.batch_id = ${p.batchId} AND u.held AND u.${UNFINISHED} ${notMoved})
                          - ${lostCount}))::int AS k
      FROM rel_batch r
  ), rel_held AS (
    SELECT u.id FROM uploads u
     WHERE u.batch_id = ${p.batchId} AND u.${UNFINISHED} ${notMoved} AND (u.held${p.reclaimLostAfter ? ` OR ${lost}` : ""})
     ORDER BY u.batch_id, u.id LIMIT ${room}
  ), rel_unheld AS (
    -- Re-checked on the row's latest version: a concurrent release took it already.
    UPDATE uploads u SET held = false, updated_at = now()
     WHERE u.id = ANY (ARRAY(SELECT id FROM rel_held)) AND (u.held${p.reclaimLostAfter ? ` OR ${lost}` : ""})
    RETURNING u.id
  ), rel_fresh AS (
    UPDATE uploads u SET updated_at = now()
     WHERE u.id = ANY (ARRAY(
             SELECT u.id FROM uploads u
              WHERE u.batch_id = ${p.batchId} AND u.id > ${cursor} AND u.${UNFINISHED} ${notMoved}
              ORDER BY u.batch_id, u.id LIMIT greatest(0, ${room} - (SELECT count(*) FROM rel_held))))
    RETURNING u.id
  )`;
}

/** The uploads released once the caller's UPDATE ran: `rel_fresh` moved the cursor past them. */
export const NEXT_RELEASED_UPLOADS = "b.released_uploads + (SELECT count(*) FROM rel_fresh)";

/** The new cursor: the last upload `rel_fresh` released, or the old one. */
export const NEXT_RELEASE_CURSOR = "coalesce((SELECT id FROM rel_fresh ORDER BY id DESC LIMIT 1), b.release_cursor)";

/** The ids a release statement took, held ones first, each part in key order: the caller sends them. */
export const RELEASED_IDS = "ARRAY(SELECT id FROM (SELECT id, 0 AS part FROM rel_unheld UNION ALL SELECT id, 1 FROM rel_fresh) released ORDER BY part, id)";
