-- Up Migration

-- The progress version the finalizer last took for a push. A final batch is pushed once per
-- version of its final state (its finalization, an operator's cancel, a counter repair), so
-- progress messages that arrive after it was pushed neither push it again nor advance it.
ALTER TABLE upload_batches ADD COLUMN pushed_version bigint NOT NULL DEFAULT 0;

-- Batches finished before this column existed had their final state pushed.
UPDATE upload_batches SET pushed_version = progress_version WHERE status IN ('completed', 'failed', 'cancelled');

-- Down Migration

ALTER TABLE upload_batches DROP COLUMN pushed_version;
