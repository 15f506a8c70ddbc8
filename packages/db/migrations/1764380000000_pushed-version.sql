-- Up Migration

-- The progress version whose push the finalizer made: an unfinished batch's as soon as a run takes
-- it (a lost progress push is superseded by the next), a final state's only once a run has sent
-- its pushes. A final batch is pushed until then, and never again after (a late progress message
-- changes nothing a client can see); the reconciler asks for a run for one left behind.
ALTER TABLE upload_batches ADD COLUMN pushed_version bigint NOT NULL DEFAULT 0;

-- Batches finished before this column existed had their final state pushed.
UPDATE upload_batches SET pushed_version = progress_version WHERE status IN ('completed', 'failed', 'cancelled');

-- The reconciler's sweep for final states never recorded as pushed: few rows, whatever the history.
CREATE INDEX upload_batches_final_unpushed ON upload_batches (updated_at)
  WHERE status IN ('completed', 'failed', 'cancelled') AND pushed_version < progress_version;

-- Down Migration

DROP INDEX upload_batches_final_unpushed;
ALTER TABLE upload_batches DROP COLUMN pushed_version;
