import type { ServerMessage } from "../progress/serverMessages.js";

export type PushResult = "sent" | "gone";

/** Pushes a message to one WebSocket connection. `gone` means the connection no longer exists. */
export interface ConnectionNotifier {
  push(connectionId: string, message: ServerMessage): Promise<PushResult>;
}
