import type { ConnectionRegistry } from "@pipeline/local";

/**
 * The client side of WebSocket connections as the management API sees it: which connections
 * exist and every message posted to each. Unknown ids answer 410 Gone, as API Gateway does.
 */
export class RecordingConnections implements ConnectionRegistry {
  readonly received = new Map<string, unknown[]>();

  open(connectionId: string): void {
    this.received.set(connectionId, []);
  }

  post(connectionId: string, data: Buffer): boolean {
    const inbox = this.received.get(connectionId);
    if (!inbox) return false;
    inbox.push(JSON.parse(data.toString("utf8")));
    return true;
  }

  describe(connectionId: string) {
    return this.received.has(connectionId) ? { connectedAt: new Date(), lastActiveAt: new Date(), sourceIp: "127.0.0.1" } : undefined;
  }

  disconnect(connectionId: string): boolean {
    return this.received.delete(connectionId);
  }

  messages<T = { type: string; batchId: string; version: number }>(connectionId: string): T[] {
    return (this.received.get(connectionId) ?? []) as T[];
  }
}
