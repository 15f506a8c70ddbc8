import type { DeadLetterMessage } from "./DeadLetterInspector.js";

export interface HeldDeadLetter extends DeadLetterMessage {
  /** Opaque handle for move/release (an SQS receipt handle). */
  handle: string;
}

/** One dead-letter queue, for a redrive: hold messages, move them back to their source, or let them go. */
export interface DeadLetterStore {
  /** Receives messages and keeps them invisible to others for `holdSeconds`. */
  hold(max: number, holdSeconds: number): Promise<HeldDeadLetter[]>;
  /** Sends the body to the source queue, then deletes it from the DLQ (only after the send succeeded). */
  moveToSource(message: HeldDeadLetter): Promise<void>;
  /** Makes held messages visible again at once. */
  release(messages: readonly HeldDeadLetter[]): Promise<void>;
}
