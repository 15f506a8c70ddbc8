import { PermanentProcessingError } from "@pipeline/core";

/**
 * Translates a sharp failure on an upload's bytes: given the same bytes, libvips fails the same
 * way every time (truncated or corrupt data, a pixel count over the limit), so it is permanent.
 */
export function imageDecodeError(error: unknown): PermanentProcessingError {
  const detail = error instanceof Error ? (error.message.split("\n")[0] ?? error.message) : String(error);
  return new PermanentProcessingError(`corrupt or truncated image: ${detail}`, { cause: error });
}
