import type { QueueName } from "./queueNames.js";

export interface DeadLetterMessage {
  queue: QueueName;
  messageId: string;
  body: string;
  batchId: string | null;
  uploadId: string | null;
  reason: string | null;
  receiveCount: number;
  sentAt: Date | null;
}

/** Reads dead-letter queues without consuming them. */
export interface DeadLetterInspector {
  peek(queue: QueueName, max: number): Promise<DeadLetterMessage[]>;
}
