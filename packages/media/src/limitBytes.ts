import { ObjectTooLargeError } from "./errors.js";

/**
 * Passes `source` through and fails with `ObjectTooLargeError` as soon as it has carried more than
 * `maxBytes`, so a store that does not declare sizes (or lies about them) still cannot fill memory.
 * Stopping early ends the source, which releases its connection.
 */
export async function* limitBytes(source: AsyncIterable<Uint8Array>, key: string, maxBytes: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new ObjectTooLargeError(key, maxBytes);
    yield chunk;
  }
}
