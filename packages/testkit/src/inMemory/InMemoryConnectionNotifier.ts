import type { ConnectionNotifier, PushResult, ServerMessage } from "@pipeline/core";

/** The management API's view of open sockets: a push to a closed one answers `gone`, as 410 does. */
export class InMemoryConnectionNotifier implements ConnectionNotifier {
  readonly pushes: { connectionId: string; message: ServerMessage }[] = [];
  /** Connections closed through the management API, in order. */
  readonly closed: string[] = [];

  constructor(readonly open: Set<string> = new Set()) {}

  async push(connectionId: string, message: ServerMessage): Promise<PushResult> {
    if (!this.open.has(connectionId)) return "gone";
    this.pushes.push({ connectionId, message: structuredClone(message) });
    return "sent";
  }

  async exists(connectionId: string): Promise<boolean> {
    return this.open.has(connectionId);
  }

  async close(connectionId: string): Promise<void> {
    if (this.open.delete(connectionId)) this.closed.push(connectionId);
  }
}
