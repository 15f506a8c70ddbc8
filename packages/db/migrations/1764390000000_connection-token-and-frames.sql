-- Up Migration

-- When the client's token expires: past it, the connection gets no pushes, its frames are refused
-- and the sweeper closes it. Rows from before this column get API Gateway's 2-hour lifetime, the
-- bound they had; every new row states its token's expiry (no default).
ALTER TABLE connections ADD COLUMN token_expires_at timestamptz;
UPDATE connections SET token_expires_at = connected_at + interval '2 hours';
ALTER TABLE connections ALTER COLUMN token_expires_at SET NOT NULL;
CREATE INDEX connections_token_expires_at ON connections (token_expires_at);

-- The connection's token bucket for client frames (Lambdas keep no state between frames): the
-- tokens left when it was last taken from, and when. NULL: full, nothing taken yet.
ALTER TABLE connections ADD COLUMN frame_tokens double precision;
ALTER TABLE connections ADD COLUMN frame_tokens_at timestamptz;

-- Down Migration

ALTER TABLE connections DROP COLUMN frame_tokens_at;
ALTER TABLE connections DROP COLUMN frame_tokens;
DROP INDEX connections_token_expires_at;
ALTER TABLE connections DROP COLUMN token_expires_at;
