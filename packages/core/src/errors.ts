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

/** A queue message that can never be processed: it goes to the dead-letter queue with this reason. */
export class BadMessageError extends Error {
  override readonly name = "BadMessageError";
  constructor(readonly reason: string) {
    super(reason);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
