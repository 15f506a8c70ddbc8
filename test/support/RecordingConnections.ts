import type { ConnectionRegistry } from "@pipeline/local";

/** A message posted to a connection, with when it arrived (`Date.now()`). */
export interface ReceivedPush<T> {
  at: number;
  message: T;
}

/**
 * The client side of WebSocket connections as the management API sees it: which connections
 * exist and every message posted to each, with its arrival time. Unknown ids answer 410 Gone, as
 * API Gateway does.
 */
export class RecordingConnections implements ConnectionRegistry {
  readonly received = new Map<string, Array<ReceivedPush<unknown>>>();

  open(connectionId: string): void {
    this.received.set(connectionId, []);
  }

  post(connectionId: string, data: Buffer): boolean {
    const inbox = this.received.get(connectionId);
    if (!inbox) return false;
    inbox.push({ at: Date.now(), message: JSON.parse(data.toString("utf8")) });
    return true;
  }

  describe(connectionId: string) {
    return this.received.has(connectionId) ? { connectedAt: new Date(), lastActiveAt: new Date(), sourceIp: "127.0.0.1" } : undefined;
  }

  disconnect(connectionId: string): boolean {
    return this.received.delete(connectionId);
  }

  messages<T = { type: string; batchId: string; version: number }>(connectionId: string): T[] {
    return this.timeline<T>(connectionId).map((push) => push.message);
  }

  timeline<T = { type: string; batchId: string; version: number }>(connectionId: string): Array<ReceivedPush<T>> {
    return (this.received.get(connectionId) ?? []) as Array<ReceivedPush<T>>;
  }
}
