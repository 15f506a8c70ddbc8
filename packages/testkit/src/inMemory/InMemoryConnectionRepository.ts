import type { Connection, ConnectionRepository, FrameAdmission, FrameBucket, NewConnection } from "@pipeline/core";
import type { ConnectionRecord, InMemoryDatabase } from "./InMemoryDatabase.js";

export class InMemoryConnectionRepository implements ConnectionRepository {
  constructor(private readonly database: InMemoryDatabase) {}

  async add({ connectionId, userId, tokenExpiresAt }: NewConnection): Promise<void> {
    const existing = this.database.connections.get(connectionId);
    this.database.connections.set(connectionId, { connectionId, userId, tokenExpiresAt, connectedAt: existing?.connectedAt ?? this.database.now() });
  }

  async forUsers(userIds: readonly string[]): Promise<Connection[]> {
    const now = this.database.now();
    return this.records()
      .filter((connection) => userIds.includes(connection.userId) && connection.tokenExpiresAt > now)
      .map(toConnection);
  }

  async remove(connectionId: string): Promise<void> {
    this.database.connections.delete(connectionId);
  }

  /** As the Postgres statement: refill by elapsed time up to `burst`, take one (down to -1), read the row. */
  async admitFrame(connectionId: string, bucket: FrameBucket): Promise<FrameAdmission> {
    const connection = this.database.connections.get(connectionId);
    if (!connection) return { kind: "unknown" };
    const now = this.database.now();
    const last = connection.frameTokens ?? { tokens: bucket.burst, at: now };
    const elapsedSeconds = Math.max(0, (now.getTime() - last.at.getTime()) / 1000);
    const available = Math.min(bucket.burst, last.tokens + elapsedSeconds * bucket.refillPerSecond);
    const left = Math.max(available - 1, -1);
    connection.frameTokens = { tokens: left, at: now };
    if (connection.tokenExpiresAt <= now) return { kind: "token_expired" };
    if (left < 0) return { kind: "rate_limited" };
    return { kind: "admitted", userId: connection.userId };
  }

  async connectedBefore(cutoff: Date): Promise<Connection[]> {
    return this.records()
      .filter((connection) => connection.connectedAt < cutoff)
      .sort((a, b) => a.connectedAt.getTime() - b.connectedAt.getTime())
      .slice(0, 1000)
      .map(toConnection);
  }

  async removeConnectedBefore(cutoff: Date): Promise<number> {
    const old = this.records().filter((connection) => connection.connectedAt < cutoff);
    for (const connection of old) this.database.connections.delete(connection.connectionId);
    return old.length;
  }

  async removeExpired(cutoff: Date, limit: number): Promise<Connection[]> {
    const expired = this.records()
      .filter((connection) => connection.tokenExpiresAt <= cutoff)
      .sort((a, b) => a.tokenExpiresAt.getTime() - b.tokenExpiresAt.getTime())
      .slice(0, limit);
    for (const connection of expired) this.database.connections.delete(connection.connectionId);
    return expired.map(toConnection);
  }

  private records(): ConnectionRecord[] {
    return [...this.database.connections.values()];
  }
}

function toConnection({ connectionId, userId }: Connection): Connection {
  return { connectionId, userId };
}
