import type { BatchMessage, ProgressMessage, UploadMessage } from "../messages/schemas.js";

export interface UploadQueue {
  /**
   * Sends every message or throws; entries the queue rejects for a passing reason are re-sent.
   * `fairnessKey` names the tenant the messages belong to (SQS fair queues' MessageGroupId).
   */
  sendAll(messages: readonly UploadMessage[], options?: { fairnessKey?: string }): Promise<void>;
}

export interface BatchQueue {
  /** `delaySeconds` (at most 900) keeps the message hidden that long, as SQS's DelaySeconds. */
  send(message: BatchMessage, options?: { delaySeconds?: number }): Promise<void>;
}

export interface ProgressQueue {
  send(message: ProgressMessage): Promise<void>;
}
