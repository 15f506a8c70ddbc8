import type { BatchMessage, ProgressMessage, UploadMessage } from "../messages/schemas.js";

export interface UploadQueue {
  /** Sends every message or throws; entries the queue rejects for a passing reason are re-sent. */
  sendAll(messages: readonly UploadMessage[]): Promise<void>;
}

export interface BatchQueue {
  send(message: BatchMessage): Promise<void>;
}

export interface ProgressQueue {
  send(message: ProgressMessage): Promise<void>;
}
