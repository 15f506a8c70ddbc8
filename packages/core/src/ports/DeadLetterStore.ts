import type { DeadLetterMessage } from "./DeadLetterInspector.js";

export interface HeldDeadLetter extends DeadLetterMessage {
  /** Opaque handle for extend/move/release (an SQS receipt handle). */
  handle: string;
}

/** One dead-letter queue, for a redrive: hold messages, move them back to their source, or let them go. */
export interface DeadLetterStore {
  /**
   * Receives messages and keeps them invisible to others for `holdSeconds`, waiting up to
   * `waitSeconds` for one to arrive (a long poll).
   */
  hold(max: number, holdSeconds: number, waitSeconds: number): Promise<HeldDeadLetter[]>;
  /**
   * Keeps held messages invisible for another `holdSeconds`. Returns the ids of those whose hold had
   * already lapsed (another reader may have them now): they must not be moved.
   */
  extend(messages: readonly HeldDeadLetter[], holdSeconds: number): Promise<Set<string>>;
  /**
   * Sends the original body (an offloaded one read back) to the source queue, then deletes the
   * message from the DLQ with its handle (only after the send succeeded), then the offloaded body.
   * A delete that fails throws `DeadLetterNotDeletedError`: the body was sent and the message is
   * still parked.
   */
  moveToSource(message: HeldDeadLetter): Promise<void>;
  /** Makes held messages visible again at once. */
  release(messages: readonly HeldDeadLetter[]): Promise<void>;
}

/** A message was sent back to its source but could not be deleted from its DLQ (its handle expired, or the call failed). */
export class DeadLetterNotDeletedError extends Error {
  override readonly name = "DeadLetterNotDeletedError";
  constructor(
    readonly messageId: string,
    options?: ErrorOptions,
  ) {
    super(`dead letter ${messageId} was sent back to its source but is still in the dead-letter queue: a later redrive would send it again`, options);
  }
}
