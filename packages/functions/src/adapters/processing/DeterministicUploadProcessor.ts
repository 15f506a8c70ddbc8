import { createHash } from "node:crypto";
import type { ProcessingResult, UploadProcessor, UploadToProcess } from "@pipeline/core";

export const DETERMINISTIC_EMBEDDING_DIMENSIONS = 16;

export interface DeterministicProcessorOptions {
  /** Simulated work per upload, for benchmarks. */
  latencyMillis?: number;
}

/**
 * Works offline without a model server: a description built from what is known of the file and a
 * small vector derived from its identity, both labelled as such. Same input, same output.
 */
export class DeterministicUploadProcessor implements UploadProcessor {
  constructor(private readonly options: DeterministicProcessorOptions = {}) {}

  async process(upload: UploadToProcess, signal: AbortSignal): Promise<ProcessingResult> {
    const latency = this.options.latencyMillis ?? 0;
    if (latency > 0) await sleep(latency, signal);
    const digest = createHash("sha256").update(`${upload.filePath}\n${upload.filename}\n${upload.fileSize ?? ""}`).digest();
    const embedding = Array.from({ length: DETERMINISTIC_EMBEDDING_DIMENSIONS }, (_, index) => (digest[index] ?? 0) / 255);
    const kind = upload.mimeType ?? upload.fileType ?? "file";
    return {
      description: `[offline description] ${kind} "${upload.filename}"${upload.fileSize === null ? "" : `, ${upload.fileSize} bytes`}`,
      thumbnailPath: null,
      metadata: { processor: "deterministic", mimeType: upload.mimeType, fileSize: upload.fileSize },
      embedding,
    };
  }
}

function sleep(millis: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, millis);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}
