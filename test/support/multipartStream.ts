import { request as httpRequest, type ClientRequest } from "node:http";

export interface StreamedFile {
  filename: string;
  contentType?: string;
  /** Bytes of the file: `head` and then zeros up to this size, generated as it is sent. */
  size: number;
  head?: Buffer;
}

export const BOUNDARY = "----pipeline-test-boundary";
const CHUNK = 256 * 1024;

/**
 * A multipart/form-data body generated as it is read, so a test can send a 50 MiB file without
 * holding it. `field` parts come first; `end: false` leaves out the closing boundary (a body cut short).
 */
export async function* multipartStream(files: readonly StreamedFile[], options: { fields?: Record<string, string>; end?: boolean } = {}): AsyncGenerator<Buffer> {
  for (const [name, value] of Object.entries(options.fields ?? {})) {
    yield Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  }
  for (const file of files) {
    yield Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="${file.filename}"\r\nContent-Type: ${file.contentType ?? "image/png"}\r\n\r\n`);
    const head = file.head ?? Buffer.alloc(0);
    yield head.subarray(0, file.size);
    for (let sent = head.length; sent < file.size; sent += CHUNK) yield Buffer.alloc(Math.min(CHUNK, file.size - sent));
    yield Buffer.from("\r\n");
  }
  if (options.end ?? true) yield Buffer.from(`--${BOUNDARY}--\r\n`);
}

export interface StreamedResponse {
  status: number;
  body: { error?: string; message?: string; [key: string]: unknown };
}

/**
 * POSTs `body` chunk by chunk (chunked transfer encoding, no Content-Length), waiting for each
 * chunk to drain. `abortAfter`, when it resolves, destroys the request mid-body: the promise then
 * resolves undefined.
 */
export function postStream(url: string, headers: Record<string, string>, body: AsyncIterable<Buffer>, abortAfter?: Promise<unknown>): Promise<StreamedResponse | undefined> {
  return new Promise((resolve, reject) => {
    let aborted = false;
    const request = httpRequest(url, { method: "POST", headers: { "content-type": `multipart/form-data; boundary=${BOUNDARY}`, ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || "{}") as StreamedResponse["body"] }));
    });
    request.on("error", (error) => (aborted ? resolve(undefined) : reject(error)));
    void abortAfter?.then(() => {
      aborted = true;
      request.destroy();
      resolve(undefined);
    });
    void (async () => {
      for await (const chunk of body) {
        if (aborted || request.destroyed) return;
        if (!request.write(chunk)) await drainedOrClosed(request);
      }
      request.end();
    })().catch(reject);
  });
}

function drainedOrClosed(request: ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      request.off("drain", done).off("close", done);
      resolve();
    };
    request.on("drain", done).on("close", done);
  });
}
