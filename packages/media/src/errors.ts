/** The object store has no object under this key. */
export class ObjectNotFoundError extends Error {
  override readonly name = "ObjectNotFoundError";
  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`object ${key} not found`, options);
  }
}

/** The object is larger than the reader allows; `actualBytes` when the store declared its size. */
export class ObjectTooLargeError extends Error {
  override readonly name = "ObjectTooLargeError";
  constructor(
    readonly key: string,
    readonly maxBytes: number,
    readonly actualBytes?: number,
  ) {
    super(`object ${key} is larger than the ${maxBytes}-byte limit${actualBytes === undefined ? "" : ` (${actualBytes} bytes)`}`);
  }
}

/** The object store failed for a passing reason (network, throttling, service error); worth retrying. */
export class ObjectStoreError extends Error {
  override readonly name = "ObjectStoreError";
  constructor(
    readonly operation: "read" | "write",
    readonly key: string,
    options: { cause: unknown },
  ) {
    super(`object store ${operation} of ${key} failed: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
  }
}

/**
 * The AI service kept failing for passing reasons (throttling, server errors, timeouts, network)
 * until its attempts ran out; the worker retries the upload later.
 */
export class AiServiceError extends Error {
  override readonly name = "AiServiceError";
  constructor(
    message: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
