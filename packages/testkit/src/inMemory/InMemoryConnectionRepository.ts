import type { Connection, ConnectionRepository } from "@pipeline/core";
import type { InMemoryDatabase } from "./InMemoryDatabase.js";

export class InMemoryConnectionRepository implements ConnectionRepository {
  constructor(private readonly database: InMemoryDatabase) {}

  async add({ connectionId, userId }: Connection): Promise<void> {
    const existing = this.database.connections.get(connectionId);
    this.database.connections.set(connectionId, { connectionId, userId, connectedAt: existing?.connectedAt ?? this.database.now() });
  }

  async forUsers(userIds: readonly string[]): Promise<Connection[]> {
    return [...this.database.connections.values()].filter((connection) => userIds.includes(connection.userId)).map(toConnection);
  }

  async remove(connectionId: string): Promise<void> {
    this.database.connections.delete(connectionId);
  }

  async userOf(connectionId: string): Promise<string | undefined> {
    return this.database.connections.get(connectionId)?.userId;
  }

  async connectedBefore(cutoff: Date): Promise<Connection[]> {
    return [...this.database.connections.values()]
      .filter((connection) => connection.connectedAt < cutoff)
      .sort((a, b) => a.connectedAt.getTime() - b.connectedAt.getTime())
      .slice(0, 1000)
      .map(toConnection);
  }

  async removeConnectedBefore(cutoff: Date): Promise<number> {
    const old = [...this.database.connections.values()].filter((connection) => connection.connectedAt < cutoff);
    for (const connection of old) this.database.connections.delete(connection.connectionId);
    return old.length;
  }
}

function toConnection({ connectionId, userId }: Connection): Connection {
  return { connectionId, userId };
}
