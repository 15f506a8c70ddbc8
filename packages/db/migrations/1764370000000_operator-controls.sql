-- Up Migration

-- Tolerated failures, as Step Functions' Distributed Map has them: beyond this share of failed
-- uploads the batch ends `failed` early and its remaining uploads are cancelled. NULL: no limit.
ALTER TABLE upload_batches
  ADD COLUMN max_failure_percent numeric(5, 2)
    CHECK (max_failure_percent IS NULL OR (max_failure_percent >= 0 AND max_failure_percent <= 100));

-- Why an upload was cancelled (operator, failure tolerance), so retries can tell them apart.
ALTER TABLE uploads ADD COLUMN cancel_reason text;

-- Down Migration

ALTER TABLE uploads DROP COLUMN cancel_reason;
ALTER TABLE upload_batches DROP COLUMN max_failure_percent;
