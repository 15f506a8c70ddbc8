import { objectKeys } from "@pipeline/wiring";

/**
 * Object keys are built here and nowhere else. No key holds a raw user id or file name: the user
 * id (a token's subject, any string its issuer allows) becomes the hex SHA-256 of its UTF-8 bytes,
 * so `..`, `alice/evil` or a 200-character email give one fixed-length segment of [0-9a-f] that
 * never nests under another user's prefix and never shows the id in a key or a storage log. The
 * other segments are UUIDs the server made. Every segment is checked again before it is joined.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A key segment that would escape or confuse its prefix; a programming error, never user input. */
export class InvalidKeySegmentError extends Error {
  override readonly name = "InvalidKeySegmentError";
  constructor(readonly segment: string) {
    super(`not a safe object key segment: ${JSON.stringify(segment.slice(0, 80))}`);
  }
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** The owner's segment of a key: hex SHA-256 of the user id's UTF-8 bytes (64 characters). */
export async function ownerKeySegment(userId: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(userId));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Where an uploaded file is stored: `uploads/<sha256(userId)>/<batchId>/<uploadId>`.
 *
 * @example
 * ```ts
 * await uploadObjectKey("alice/evil", batchId, uploadId); // "uploads/5c3b…e1/<batchId>/<uploadId>"
 * ```
 */
export async function uploadObjectKey(userId: string, batchId: string, uploadId: string): Promise<string> {
  return joinKey(prefixSegment(objectKeys.uploadsPrefix), await ownerKeySegment(userId), uuidSegment(batchId), uuidSegment(uploadId));
}

/** Where an upload's thumbnail is stored: `thumbnails/<uploadId>.webp`. */
export function thumbnailObjectKey(uploadId: string): string {
  return joinKey(prefixSegment(objectKeys.thumbnailsPrefix), `${uuidSegment(uploadId)}.webp`);
}

/** A prefix of the wiring (`uploads/`) as a key's first segment. */
function prefixSegment(prefix: string): string {
  return prefix.replace(/\/$/, "");
}

function uuidSegment(value: string): string {
  if (!isUuid(value)) throw new InvalidKeySegmentError(value);
  return value.toLowerCase();
}

function joinKey(...segments: string[]): string {
  for (const segment of segments) {
    if (segment.length === 0 || segment === "." || segment === ".." || segment.includes("/") || segment.includes("\\") || CONTROL.test(segment)) {
      throw new InvalidKeySegmentError(segment);
    }
  }
  return segments.join("/");
}
