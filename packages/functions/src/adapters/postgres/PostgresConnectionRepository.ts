import type { Connection, ConnectionRepository } from "@pipeline/core";
import type { Sql } from "./Sql.js";

export class PostgresConnectionRepository implements ConnectionRepository {
  constructor(private readonly sql: Sql) {}

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
}
