import { PermanentProcessingError } from "@pipeline/core";
import { fileTypeFromBuffer } from "file-type";

export interface DetectedMedia {
  kind: "image" | "video";
  mimeType: string;
  /** A readable name of the format: JPEG, MP4... */
  format: string;
}

/** The formats processed, keyed by the extension `file-type` reports for them. */
const SUPPORTED: Readonly<Record<string, { kind: DetectedMedia["kind"]; format: string }>> = {
  jpg: { kind: "image", format: "JPEG" },
  png: { kind: "image", format: "PNG" },
  apng: { kind: "image", format: "PNG" },
  webp: { kind: "image", format: "WebP" },
  gif: { kind: "image", format: "GIF" },
  avif: { kind: "image", format: "AVIF" },
  tif: { kind: "image", format: "TIFF" },
  mp4: { kind: "video", format: "MP4" },
  m4v: { kind: "video", format: "M4V" },
  mov: { kind: "video", format: "QuickTime" },
  webm: { kind: "video", format: "WebM" },
  mkv: { kind: "video", format: "Matroska" },
};

const SUPPORTED_NAMES = [...new Set(Object.values(SUPPORTED).map((entry) => entry.format))].join(", ");

/**
 * Tells what a file is from its bytes; the name and the declared MIME type are not trusted.
 * Throws `PermanentProcessingError` for empty files and for anything not supported.
 */
export async function detectMedia(bytes: Uint8Array, filename: string): Promise<DetectedMedia> {
  if (bytes.byteLength === 0) throw new PermanentProcessingError("file is empty");
  const detected = await fileTypeFromBuffer(bytes);
  if (!detected) {
    throw new PermanentProcessingError(`file content is not a recognised image or video (named ${JSON.stringify(filename)}); supported: ${SUPPORTED_NAMES}`);
  }
  const supported = SUPPORTED[detected.ext];
  if (!supported) {
    throw new PermanentProcessingError(`unsupported file type ${detected.mime} (named ${JSON.stringify(filename)}); supported: ${SUPPORTED_NAMES}`);
  }
  return { kind: supported.kind, mimeType: detected.mime, format: supported.format };
}
