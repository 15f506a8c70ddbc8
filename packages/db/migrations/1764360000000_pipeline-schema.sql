-- Up Migration

CREATE TABLE upload_batches (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id            text NOT NULL,
  status             text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
  total_uploads      integer NOT NULL CHECK (total_uploads >= 0),
  processed_uploads  integer NOT NULL DEFAULT 0 CHECK (processed_uploads >= 0),
  successful_uploads integer NOT NULL DEFAULT 0 CHECK (successful_uploads >= 0),
  failed_uploads     integer NOT NULL DEFAULT 0 CHECK (failed_uploads >= 0),
  cancelled_uploads  integer NOT NULL DEFAULT 0 CHECK (cancelled_uploads >= 0),
  -- Grows with every push the finalizer makes for the batch, so clients can drop stale ones.
  progress_version   bigint NOT NULL DEFAULT 0,
  error_message      text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  started_at         timestamptz,
  completed_at       timestamptz,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  -- Invariant I2, enforced where the counters live.
  CONSTRAINT upload_batches_processed_is_sum
    CHECK (processed_uploads = successful_uploads + failed_uploads + cancelled_uploads),
  CONSTRAINT upload_batches_processed_within_total
    CHECK (processed_uploads <= total_uploads),
  CONSTRAINT upload_batches_final_only_when_done
    CHECK (status <> 'completed' OR processed_uploads = total_uploads)
);

CREATE INDEX upload_batches_user_created ON upload_batches (user_id, created_at DESC);
CREATE INDEX upload_batches_unfinished ON upload_batches (status, updated_at)
  WHERE status IN ('pending', 'processing');

CREATE TABLE uploads (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id           text NOT NULL,
  batch_id          uuid NOT NULL REFERENCES upload_batches (id) ON DELETE CASCADE,
  filename          text NOT NULL,
  file_path         text NOT NULL,
  file_type         text,
  file_size         bigint CHECK (file_size >= 0),
  mime_type         text,
  processing_status text NOT NULL DEFAULT 'pending'
                    CHECK (processing_status IN ('pending', 'processing', 'analyzing', 'embedding',
                                                 'completed', 'failed', 'cancelled')),
  description       text,
  thumbnail_path    text,
  error_message     text,
  metadata          jsonb NOT NULL DEFAULT '{}'::jsonb,
  embedding         real[],
  attempts          integer NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Fan-out pages through a batch by key; counting and repair group by status.
CREATE INDEX uploads_batch_id_id ON uploads (batch_id, id);
CREATE INDEX uploads_batch_status ON uploads (batch_id, processing_status);
CREATE INDEX uploads_unfinished ON uploads (processing_status, updated_at)
  WHERE processing_status NOT IN ('completed', 'failed', 'cancelled');

CREATE TABLE connections (
  connection_id text PRIMARY KEY,
  user_id       text NOT NULL,
  connected_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX connections_user ON connections (user_id);
CREATE INDEX connections_connected_at ON connections (connected_at);

-- Down Migration

DROP TABLE connections;
DROP TABLE uploads;
DROP TABLE upload_batches;
