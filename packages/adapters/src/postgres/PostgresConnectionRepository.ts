import type { Connection, ConnectionRepository, FrameAdmission, FrameBucket, NewConnection } from "@pipeline/core";
import type { Sql } from "./Sql.js";

type ConnectionRow = {
  connection_id: string;
  user_id: string;
};

/**
 * One statement per client frame: refills the bucket by the seconds since it was last taken from
 * (never above `burst`), takes a token (never below -1) and reads the user and the token's expiry.
 * A frame is admitted when it found at least one token, that is when at least 0 are left. The row
 * lock of the UPDATE serialises frames of one connection.
 */
const ADMIT_FRAME = `
UPDATE connections
   SET frame_tokens = GREATEST(
         LEAST($2::float8, COALESCE(frame_tokens, $2::float8)
                           + GREATEST(0, EXTRACT(EPOCH FROM now() - COALESCE(frame_tokens_at, now())))::float8 * $3::float8) - 1,
         -1),
       frame_tokens_at = now()
 WHERE connection_id = $1
RETURNING user_id, token_expires_at <= now() AS expired, frame_tokens >= 0 AS admitted`;

export class PostgresConnectionRepository implements ConnectionRepository {
  constructor(private readonly sql: Sql) {}

  async add({ connectionId, userId, tokenExpiresAt }: NewConnection): Promise<void> {
    await this.sql.query(
      `INSERT INTO connections (connection_id, user_id, token_expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (connection_id) DO UPDATE
         SET user_id = EXCLUDED.user_id, token_expires_at = EXCLUDED.token_expires_at, frame_tokens = NULL, frame_tokens_at = NULL`,
      [connectionId, userId, tokenExpiresAt],
    );
  }

  async forUsers(userIds: readonly string[]): Promise<Connection[]> {
    if (userIds.length === 0) return [];
    const { rows } = await this.sql.query<ConnectionRow>(
      "SELECT connection_id, user_id FROM connections WHERE user_id = ANY($1::text[]) AND token_expires_at > now()",
      [userIds],
    );
    return rows.map(toConnection);
  }

  async remove(connectionId: string): Promise<void> {
    await this.sql.query("DELETE FROM connections WHERE connection_id = $1", [connectionId]);
  }

  async admitFrame(connectionId: string, bucket: FrameBucket): Promise<FrameAdmission> {
    const { rows } = await this.sql.query<{ user_id: string; expired: boolean; admitted: boolean }>(ADMIT_FRAME, [connectionId, bucket.burst, bucket.refillPerSecond]);
    const row = rows[0];
    if (!row) return { kind: "unknown" };
    if (row.expired) return { kind: "token_expired" };
    if (!row.admitted) return { kind: "rate_limited" };
    return { kind: "admitted", userId: row.user_id };
  }

  async connectedBefore(cutoff: Date): Promise<Connection[]> {
    const { rows } = await this.sql.query<ConnectionRow>(
      "SELECT connection_id, user_id FROM connections WHERE connected_at < $1 ORDER BY connected_at LIMIT 1000",
      [cutoff],
    );
    return rows.map(toConnection);
  }

  async removeConnectedBefore(cutoff: Date): Promise<number> {
    const { rowCount } = await this.sql.query("DELETE FROM connections WHERE connected_at < $1", [cutoff]);
    return rowCount ?? 0;
  }

  async removeExpired(cutoff: Date, limit: number): Promise<Connection[]> {
    const { rows } = await this.sql.query<ConnectionRow>(
      `DELETE FROM connections WHERE connection_id IN (
         SELECT connection_id FROM connections WHERE token_expires_at <= $1 ORDER BY token_expires_at LIMIT $2
       ) RETURNING connection_id, user_id`,
      [cutoff, limit],
    );
    return rows.map(toConnection);
  }
}

function toConnection(row: ConnectionRow): Connection {
  return { connectionId: row.connection_id, userId: row.user_id };
}
