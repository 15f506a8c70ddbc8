import type { ServerMessage } from "../progress/serverMessages.js";

export type PushResult = "sent" | "gone";

/** Pushes a message to one WebSocket connection. `gone` means the connection no longer exists. */
export interface ConnectionNotifier {
  push(connectionId: string, message: ServerMessage): Promise<PushResult>;
  /** Whether the connection is still open (GET @connections/{id}). */
  exists(connectionId: string): Promise<boolean>;
  /** Closes the connection (DELETE @connections/{id}); one already gone is no error. */
  close(connectionId: string): Promise<void>;
}
