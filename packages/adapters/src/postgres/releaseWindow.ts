import { NIL_UUID } from "./rows.js";

const UNFINISHED = "processing_status NOT IN ('completed', 'failed', 'cancelled')";

export interface ReleaseParameters {
  /** Placeholders of the batch id, the stage's default window, the bulk share and the release lease (seconds). */
  batchId: string;
  defaultWindow: string;
  bulkShare: string;
  leaseSeconds: string;
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
 * A release stamps what it releases (`updated_at`): a released upload still `pending` (never
 * claimed) a lease later lost its message (a worker died between its commit and its send, or the
 * commit's answer was lost), so it no longer counts as in flight and is released again, with the
 * held ones, first.
 *
 * Defines `rel_batch` (the batch, if processing and not paused), `rel_room` (how many may be
 * released), `rel_unheld` (held and lost uploads released again, first) and `rel_fresh` (the next
 * uploads after the cursor). The caller moves `release_cursor` to the last of `rel_fresh`.
 */
export function releaseCtes(p: ReleaseParameters): string {
  const notMoved = p.moved ? `AND u.id NOT IN (SELECT id FROM ${p.moved})` : "";
  const lost = `(u.processing_status = 'pending' AND u.updated_at < now() - make_interval(secs => ${p.leaseSeconds}::float8))`;
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
                             AND NOT u.held AND NOT ${lost} AND u.${UNFINISHED} ${notMoved}))::int AS k
      FROM rel_batch r
  ), rel_held AS (
    SELECT u.id FROM uploads u, rel_room r
     WHERE u.batch_id = r.id AND u.${UNFINISHED} ${notMoved}
       AND (u.held OR (u.id <= coalesce(r.release_cursor, '${NIL_UUID}'::uuid) AND ${lost}))
     ORDER BY u.id LIMIT coalesce((SELECT k FROM rel_room), 0)
  ), rel_unheld AS (
    -- Re-checked on the row's latest version: a concurrent release took it already.
    UPDATE uploads u SET held = false, updated_at = now() FROM rel_held h
     WHERE u.id = h.id AND (u.held OR ${lost}) RETURNING u.id
  ), rel_fresh AS (
    UPDATE uploads u SET updated_at = now()
      FROM (SELECT u.id FROM uploads u, rel_room r
             WHERE u.batch_id = r.id AND u.id > coalesce(r.release_cursor, '${NIL_UUID}'::uuid) AND u.${UNFINISHED} ${notMoved}
             ORDER BY u.id LIMIT greatest(0, coalesce((SELECT k FROM rel_room), 0) - (SELECT count(*) FROM rel_held))) f
     WHERE u.id = f.id
    RETURNING u.id
  )`;
}

/** The new cursor: the last upload `rel_fresh` released, or the old one. */
export const NEXT_RELEASE_CURSOR = "coalesce((SELECT id FROM rel_fresh ORDER BY id DESC LIMIT 1), b.release_cursor)";

/** The ids a release statement took, held ones first: the caller sends them. */
export const RELEASED_IDS = "ARRAY(SELECT id FROM rel_unheld UNION ALL SELECT id FROM rel_fresh)";
