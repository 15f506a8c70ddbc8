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
}

/**
 * The CTEs that top up a batch's window (docs/design.md, "Flow control"), shared by the fan-out's
 * release and the worker's outcome commit. `rel_batch` locks the batch row, so concurrent releases
 * of one batch queue and each reads the cursor the last one left. What is in flight is counted
 * from the statement's snapshot, which may still show uploads a concurrent commit just finished:
 * the count can only be too high, and each commit still releases what it finished itself.
 *
 * Defines `rel_batch` (the batch, if processing and not paused), `rel_room` (how many may be
 * released), `rel_unheld` (held uploads released again, first) and `rel_fresh` (the next uploads
 * after the cursor). The caller moves `release_cursor` to the last of `rel_fresh`.
 */
export function releaseCtes(p: ReleaseParameters): string {
  const notMoved = p.moved ? `AND u.id NOT IN (SELECT id FROM ${p.moved})` : "";
  return `
  rel_batch AS (
    SELECT b.id, b.user_id, b.release_cursor, b.priority, coalesce(b.max_in_flight, ${p.defaultWindow}::int) AS cap
      FROM upload_batches b
     WHERE b.id = ${p.batchId} AND b.status = 'processing' AND b.paused_at IS NULL ${p.lockWhen ? `AND ${p.lockWhen}` : ""}
       FOR UPDATE
  ), rel_room AS (
    SELECT r.id, r.release_cursor,
           greatest(0, CASE WHEN r.priority = 'bulk' AND EXISTS (
                              SELECT 1 FROM upload_batches i
                               WHERE i.status = 'processing' AND i.priority = 'interactive' AND i.paused_at IS NULL)
                            THEN greatest(1, floor(r.cap * ${p.bulkShare}::float8)::int)
                            ELSE r.cap END
                       - (SELECT count(*) FROM uploads u
                           WHERE u.batch_id = r.id AND u.id <= coalesce(r.release_cursor, '${NIL_UUID}'::uuid)
                             AND NOT u.held AND u.${UNFINISHED} ${notMoved}))::int AS k
      FROM rel_batch r
  ), rel_held AS (
    SELECT u.id FROM uploads u, rel_room r
     WHERE u.batch_id = r.id AND u.held AND u.${UNFINISHED} ${notMoved}
     ORDER BY u.id LIMIT coalesce((SELECT k FROM rel_room), 0)
  ), rel_unheld AS (
    -- "AND u.held" is re-checked on the row's latest version: a concurrent release took it already.
    UPDATE uploads u SET held = false FROM rel_held h WHERE u.id = h.id AND u.held RETURNING u.id
  ), rel_fresh AS (
    SELECT u.id FROM uploads u, rel_room r
     WHERE u.batch_id = r.id AND u.id > coalesce(r.release_cursor, '${NIL_UUID}'::uuid) AND u.${UNFINISHED} ${notMoved}
     ORDER BY u.id LIMIT greatest(0, coalesce((SELECT k FROM rel_room), 0) - (SELECT count(*) FROM rel_held))
  )`;
}

/** The new cursor: the last upload `rel_fresh` released, or the old one. */
export const NEXT_RELEASE_CURSOR = "coalesce((SELECT id FROM rel_fresh ORDER BY id DESC LIMIT 1), b.release_cursor)";

/** The ids a release statement took, held ones first: the caller sends them. */
export const RELEASED_IDS = "ARRAY(SELECT id FROM rel_unheld UNION ALL SELECT id FROM rel_fresh)";
