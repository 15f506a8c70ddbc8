import type { QueueName } from "./queueNames.js";

/** Where a dead letter's body is kept when it was too large to park with its reason. */
export interface OffloadedBody {
  /** e.g. `s3://media/dead-letters/uploads/<original message id>` */
  location: string;
  /** The object's key in its store. */
  key: string;
  bytes: number;
}

export interface DeadLetterMessage {
  queue: QueueName;
  messageId: string;
  /** The parked body; for an offloaded one, the small pointer parked in its place. */
  body: string;
  batchId: string | null;
  uploadId: string | null;
  reason: string | null;
  receiveCount: number;
  sentAt: Date | null;
  /** Set when the original body is kept in object storage (`body` is then only its pointer). */
  offloaded: OffloadedBody | null;
}

/** Reads dead-letter queues without consuming them. */
export interface DeadLetterInspector {
  peek(queue: QueueName, max: number): Promise<DeadLetterMessage[]>;
  /** The message's original body: `body`, or the offloaded one read from object storage. */
  originalBody(message: DeadLetterMessage): Promise<string>;
}
