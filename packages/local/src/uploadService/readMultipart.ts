import type { IncomingMessage } from "node:http";
import busboy from "busboy";
import { HttpError } from "./HttpError.js";

export interface ReceivedFile {
  filename: string;
  mimeType: string;
  data: Buffer;
}

export interface MultipartLimits {
  maxFiles: number;
  maxFileBytes: number;
}

/** Reads a multipart/form-data body's files, refusing too many or too large ones as it goes. */
export function readMultipart(request: IncomingMessage, limits: MultipartLimits): Promise<ReceivedFile[]> {
  const contentType = request.headers["content-type"] ?? "";
  if (!contentType.startsWith("multipart/form-data")) {
    return Promise.reject(new HttpError(415, "unsupported_media_type", "send the files as multipart/form-data"));
  }
  return new Promise((resolve, reject) => {
    const files: ReceivedFile[] = [];
    let failure: HttpError | undefined;
    const fail = (error: HttpError) => {
      failure ??= error;
      request.unpipe(parser);
      request.resume();
      reject(failure);
    };
    const parser = busboy({ headers: request.headers, limits: { files: limits.maxFiles, fileSize: limits.maxFileBytes }, defParamCharset: "utf8" });
    parser.on("file", (_field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("limit", () => fail(new HttpError(413, "file_too_large", `${info.filename} is larger than ${limits.maxFileBytes} bytes`)));
      stream.on("end", () => {
        if (!failure) files.push({ filename: cleanFilename(info.filename), mimeType: info.mimeType || "application/octet-stream", data: Buffer.concat(chunks) });
      });
    });
    parser.on("filesLimit", () => fail(new HttpError(413, "too_many_files", `at most ${limits.maxFiles} files per batch`)));
    parser.on("error", (error: Error) => fail(new HttpError(400, "bad_multipart", `the multipart body could not be read: ${error.message}`)));
    parser.on("close", () => {
      if (failure) return;
      if (files.length === 0) reject(new HttpError(400, "no_files", "the request carries no files"));
      else resolve(files);
    });
    request.pipe(parser);
  });
}

/** Longest filename kept: names travel in snapshots and failure reasons. */
const MAX_FILENAME_LENGTH = 1024;

/**
 * A filename as the user gave it, minus what cannot be stored or shown: control characters
 * (Postgres text cannot hold NUL) become U+FFFD, and very long names are cut.
 */
export function cleanFilename(name: string | undefined): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced
  const cleaned = (name ?? "").replace(/[\u0000-\u001f\u007f]/g, "\ufffd").slice(0, MAX_FILENAME_LENGTH);
  return cleaned.length > 0 ? cleaned : "unnamed";
}
