-- Up Migration

-- Flow control (docs/design.md, "Flow control"). A batch's uploads are released to the uploads
-- queue a window at a time, in key order: `release_cursor` is the last upload released (NULL:
-- none yet). What is in flight is the batch's unfinished uploads up to the cursor that are not
-- held; the window is `max_in_flight` (NULL: the stage's default, from the wiring).
ALTER TABLE upload_batches
  ADD COLUMN priority text NOT NULL DEFAULT 'interactive' CHECK (priority IN ('interactive', 'bulk')),
  ADD COLUMN max_in_flight integer CHECK (max_in_flight IS NULL OR max_in_flight BETWEEN 1 AND 10000),
  ADD COLUMN release_cursor uuid,
  -- How many uploads are up to the cursor: in flight is these less the processed and the held
  -- ones, read from the row on every outcome commit instead of scanned (releaseWindow.ts).
  ADD COLUMN released_uploads integer NOT NULL DEFAULT 0 CHECK (released_uploads >= 0),
  -- Paused since (NULL: running), and the time spent paused before, for the time-left estimate.
  ADD COLUMN paused_at timestamptz,
  ADD COLUMN paused_millis bigint NOT NULL DEFAULT 0 CHECK (paused_millis >= 0);

-- A batch fanned out before windows existed had every upload sent: all of it is released (a final
-- one too, so that a retry of its failed uploads finds them released and held, as it would now).
UPDATE upload_batches b
   SET release_cursor = (SELECT u.id FROM uploads u WHERE u.batch_id = b.id ORDER BY u.id DESC LIMIT 1),
       released_uploads = (SELECT count(*) FROM uploads u WHERE u.batch_id = b.id)
 WHERE b.status <> 'pending';

-- A released upload whose message was consumed without starting it (its batch was paused) or
-- never sent: it is released again first, before the window moves on.
ALTER TABLE uploads ADD COLUMN held boolean NOT NULL DEFAULT false;

-- The next uploads after the cursor.
CREATE INDEX uploads_batch_unfinished ON uploads (batch_id, id)
  WHERE processing_status NOT IN ('completed', 'failed', 'cancelled');
CREATE INDEX uploads_batch_held ON uploads (batch_id, id) WHERE held;
-- "Is an interactive batch running?" is asked by every bulk batch's release.
CREATE INDEX upload_batches_running_interactive ON upload_batches (id)
  WHERE status = 'processing' AND priority = 'interactive' AND paused_at IS NULL;

-- Down Migration

DROP INDEX upload_batches_running_interactive;
DROP INDEX uploads_batch_held;
DROP INDEX uploads_batch_unfinished;
ALTER TABLE uploads DROP COLUMN held;
ALTER TABLE upload_batches
  DROP COLUMN paused_millis,
  DROP COLUMN paused_at,
  DROP COLUMN released_uploads,
  DROP COLUMN release_cursor,
  DROP COLUMN max_in_flight,
  DROP COLUMN priority;
