import type { IncomingMessage } from "node:http";
import { readWithinBytes } from "@pipeline/core";
import { HttpError } from "./HttpError.js";

/** A control request's body is a few fields: anything larger is not one. */
const MAX_JSON_BYTES = 4096;

/**
 * A small JSON request body. Requires `application/json`, which a cross-site form cannot send
 * without a preflight; refuses a body over MAX_JSON_BYTES (413) before reading it when its length
 * is declared, and stops reading as soon as a streamed one passes it.
 */
export async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const contentType = request.headers["content-type"] ?? "";
  if (!/^application\/json\s*(;|$)/i.test(contentType)) throw new HttpError(415, "unsupported_media_type", "send the body as application/json");
  if (Number(request.headers["content-length"] ?? 0) > MAX_JSON_BYTES) throw tooLarge();
  const bytes = await readWithinBytes(request, MAX_JSON_BYTES);
  if (bytes === undefined) throw tooLarge();
  try {
    return JSON.parse(Buffer.from(bytes).toString("utf8")) as unknown;
  } catch {
    throw new HttpError(400, "bad_request", "the body is not valid JSON");
  }
}

function tooLarge(): HttpError {
  return new HttpError(413, "request_too_large", `the body is larger than the limit of ${MAX_JSON_BYTES} bytes`);
}
