import type { Connection, ConnectionRepository } from "@pipeline/core";
import type { Sql } from "./Sql.js";

export class PostgresConnectionRepository implements ConnectionRepository {
  constructor(private readonly sql: Sql) {}

  async add({ connectionId, userId }: Connection): Promise<void> {
    await this.sql.query(
      "INSERT INTO connections (connection_id, user_id) VALUES ($1, $2) ON CONFLICT (connection_id) DO UPDATE SET user_id = EXCLUDED.user_id",
      [connectionId, userId],
    );
  }

  async forUsers(userIds: readonly string[]): Promise<Connection[]> {
    if (userIds.length === 0) return [];
    const { rows } = await this.sql.query<{ connection_id: string; user_id: string }>(
      "SELECT connection_id, user_id FROM connections WHERE user_id = ANY($1::text[])",
      [userIds],
    );
    return rows.map((row) => ({ connectionId: row.connection_id, userId: row.user_id }));
  }

  async remove(connectionId: string): Promise<void> {
    await this.sql.query("DELETE FROM connections WHERE connection_id = $1", [connectionId]);
  }

  async userOf(connectionId: string): Promise<string | undefined> {
    const { rows } = await this.sql.query<{ user_id: string }>("SELECT user_id FROM connections WHERE connection_id = $1", [connectionId]);
    return rows[0]?.user_id;
  }

  async connectedBefore(cutoff: Date): Promise<Connection[]> {
    const { rows } = await this.sql.query<{ connection_id: string; user_id: string }>(
      "SELECT connection_id, user_id FROM connections WHERE connected_at < $1 ORDER BY connected_at LIMIT 1000",
      [cutoff],
    );
    return rows.map((row) => ({ connectionId: row.connection_id, userId: row.user_id }));
  }

  async removeConnectedBefore(cutoff: Date): Promise<number> {
    const { rowCount } = await this.sql.query("DELETE FROM connections WHERE connected_at < $1", [cutoff]);
    return rowCount ?? 0;
  }
}
