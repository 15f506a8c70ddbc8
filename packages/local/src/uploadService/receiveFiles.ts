import type { IncomingMessage } from "node:http";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import busboy from "busboy";
import { safeFilename } from "@pipeline/core";
import { HttpError } from "./HttpError.js";
import type { UploadLimits } from "./uploadLimits.js";

/** One file of the request while it streams in: read `stream` to its end, then `size()` is its length. */
export interface IncomingFile {
  /** The client's name, reduced by `safeFilename` (no path, no control characters). */
  filename: string;
  mimeType: string;
  stream: Readable;
  size(): number;
}

/** Files stored at once per request: bounds what a request holds in memory (each store buffers at most a few parts). */
const STORES_IN_FLIGHT = 4;

const MIME_TYPE = /^[\w.+-]{1,127}\/[\w.+-]{1,127}$/;

/**
 * Streams a multipart/form-data body's files to `store`, one after another as they arrive and at
 * most `STORES_IN_FLIGHT` at once; nothing waits in memory for the body to end. Refuses a body
 * that is not multipart (415), malformed or cut short (400), or over any of `limits` (413) as soon
 * as it can tell. When the request fails (a limit, a parse error, the client going away, a store
 * that throws) every file still streaming is destroyed, and the promise rejects only once every
 * `store` call has settled, so the caller can then remove whatever was written. Each form field
 * within the limits goes to `field` as it arrives; what it throws fails the request the same way.
 */
export function receiveFiles<T>(
  request: IncomingMessage,
  limits: UploadLimits,
  store: (file: IncomingFile) => Promise<T>,
  field: (name: string, value: string) => void = () => {},
): Promise<T[]> {
  const contentType = request.headers["content-type"] ?? "";
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType)) {
    return Promise.reject(new HttpError(415, "unsupported_media_type", "send the files as multipart/form-data"));
  }
  const declaredLength = Number(request.headers["content-length"] ?? 0);
  if (declaredLength > limits.maxRequestBytes) return Promise.reject(requestTooLarge(limits));

  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: request.headers,
      defParamCharset: "utf8",
      // busboy reports a file or field that *reaches* its size limit: one byte more lets exactly the limit through.
      limits: { files: limits.maxFiles, fileSize: limits.maxFileBytes + 1, fields: limits.maxFields, fieldSize: limits.maxFieldBytes + 1, parts: limits.maxParts },
    });
  } catch (error) {
    return Promise.reject(new HttpError(400, "bad_multipart", `the multipart body cannot be read: ${(error as Error).message}`));
  }

  return new Promise((resolve, reject) => {
    const stores: Array<Promise<T>> = [];
    const streaming = new Set<Transform>();
    const slots = new Slots(STORES_IN_FLIGHT);
    let failure: unknown;
    let received = 0;

    const fail = (error: unknown) => {
      if (failure !== undefined) return;
      failure = error;
      for (const stream of streaming) stream.destroy(error instanceof Error ? error : new Error(String(error)));
      slots.cancel();
      request.unpipe(parser);
      // The rest of the body is read and dropped, so the client gets to read the answer.
      if (!request.destroyed) request.resume();
      void Promise.allSettled(stores).then(() => reject(failure));
    };

    request.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received > limits.maxRequestBytes) fail(requestTooLarge(limits));
    });
    request.on("error", () => fail(new HttpError(400, "aborted", "the client closed the request before its body ended")));
    request.on("close", () => {
      if (!request.complete) fail(new HttpError(400, "aborted", "the client closed the request before its body ended"));
    });

    parser.on("file", (_field, stream, info) => {
      if (failure !== undefined) return void stream.resume();
      const filename = safeFilename(info.filename);
      let size = 0;
      const counted = new Transform({
        transform(chunk: Buffer, _encoding, callback: TransformCallback) {
          size += chunk.length;
          callback(null, chunk);
        },
      });
      stream.on("limit", () => fail(new HttpError(413, "file_too_large", `${filename} is larger than the limit of ${limits.maxFileBytes} bytes a file`)));
      // The parser destroys a file it cannot finish (a body cut short): that is the request's fault.
      stream.on("error", (error: Error) => {
        fail(new HttpError(400, "bad_multipart", `the multipart body cannot be read: ${error.message}`));
        counted.destroy(error);
      });
      // Its error is the request's failure, already recorded: a file not being read has no other listener.
      counted.on("error", () => {});
      counted.on("close", () => streaming.delete(counted));
      stream.pipe(counted);
      streaming.add(counted);
      const mimeType = MIME_TYPE.test(info.mimeType) ? info.mimeType.toLowerCase() : "application/octet-stream";
      const file: IncomingFile = { filename, mimeType, stream: counted, size: () => size };
      const stored = slots.run(() => store(file));
      stored.catch((error: unknown) => fail(error));
      stores.push(stored);
    });
    parser.on("field", (name, value, info) => {
      if (failure !== undefined) return;
      if (info.valueTruncated) return fail(new HttpError(413, "field_too_large", `form field ${name} is longer than the limit of ${limits.maxFieldBytes} bytes`));
      try {
        field(name, value);
      } catch (error) {
        fail(error);
      }
    });
    parser.on("filesLimit", () => fail(new HttpError(413, "too_many_files", `at most ${limits.maxFiles} files a batch`)));
    parser.on("fieldsLimit", () => fail(new HttpError(413, "too_many_fields", `at most ${limits.maxFields} form fields a request`)));
    parser.on("partsLimit", () => fail(new HttpError(413, "too_many_parts", `at most ${limits.maxParts} parts a request`)));
    parser.on("error", (error: Error) => fail(new HttpError(400, "bad_multipart", `the multipart body cannot be read: ${error.message}`)));
    parser.on("close", () => {
      if (failure !== undefined) return;
      if (stores.length === 0) return fail(new HttpError(400, "no_files", "the request carries no files"));
      Promise.all(stores).then((results) => {
        if (failure === undefined) resolve(results);
      }, fail);
    });
    request.pipe(parser);
  });
}

function requestTooLarge(limits: UploadLimits): HttpError {
  return new HttpError(413, "request_too_large", `the request body is larger than the limit of ${limits.maxRequestBytes} bytes`);
}

/** At most `size` tasks at once; once cancelled, tasks still waiting never start. */
class Slots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private cancelled = false;

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.cancelled) throw new Error("cancelled: the request failed");
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  cancel(): void {
    this.cancelled = true;
    for (const wake of this.waiting.splice(0)) wake();
  }
}
