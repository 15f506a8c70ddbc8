export interface FailedEntry {
  id: string;
  code: string;
  message: string;
  senderFault: boolean;
}

/** Some messages could not be sent after the retries allowed. */
export class QueueSendError extends Error {
  override readonly name = "QueueSendError";
  constructor(
    readonly queueUrl: string,
    readonly failed: readonly FailedEntry[],
  ) {
    const first = failed[0];
    super(`${failed.length} message(s) not sent to ${queueUrl}${first ? `: ${first.code} ${first.message}` : ""}`);
  }
}
