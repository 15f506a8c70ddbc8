/** The processing step can never succeed for this upload (unsupported type, corrupt file...). */
export class PermanentProcessingError extends Error {
  override readonly name = "PermanentProcessingError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The processing step ran past the time the invocation could give it. */
export class ProcessingTimeoutError extends Error {
  override readonly name = "ProcessingTimeoutError";
  constructor(readonly timeoutMillis: number) {
    super(`processing did not finish within ${timeoutMillis} ms`);
  }
}

/** Failure reasons travel in progress messages and pushes: long ones (a quoted 16 KB filename) are cut. */
export const MAX_REASON_LENGTH = 1000;

export function boundedReason(reason: string): string {
  return reason.length <= MAX_REASON_LENGTH ? reason : `${reason.slice(0, MAX_REASON_LENGTH - 1)}…`;
}
