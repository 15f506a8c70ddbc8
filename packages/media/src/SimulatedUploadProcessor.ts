import { createHash } from "node:crypto";
import { abortableSleep, type ProcessingContext, type ProcessingResult, type UploadProcessor, type UploadToProcess } from "@pipeline/core";

export const SIMULATED_EMBEDDING_DIMENSIONS = 16;

export interface SimulatedProcessorOptions {
  /** Simulated work per upload, for benchmarks. */
  latencyMillis?: number;
}

/**
 * Stands in for the whole media and AI step where no files exist (benchmarks, pipeline tests):
 * waits a fixed simulated latency, then returns a labelled description built from the upload's
 * row and a small vector derived from its identity. Same input, same output.
 */
export class SimulatedUploadProcessor implements UploadProcessor {
  constructor(private readonly options: SimulatedProcessorOptions = {}) {}

  async process(upload: UploadToProcess, { signal }: ProcessingContext): Promise<ProcessingResult> {
    const latency = this.options.latencyMillis ?? 0;
    if (latency > 0) await abortableSleep(latency, signal);
    const digest = createHash("sha256").update(`${upload.filePath}\n${upload.filename}\n${upload.fileSize ?? ""}`).digest();
    const embedding = Array.from({ length: SIMULATED_EMBEDDING_DIMENSIONS }, (_, index) => (digest[index] ?? 0) / 255);
    const kind = upload.mimeType ?? upload.fileType ?? "file";
    return {
      description: `[simulated] ${kind} "${upload.filename}"${upload.fileSize === null ? "" : `, ${upload.fileSize} bytes`}`,
      thumbnailPath: null,
      metadata: { processor: "simulated", mimeType: upload.mimeType, fileSize: upload.fileSize },
      embedding,
    };
  }
}
