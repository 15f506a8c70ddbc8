import { abortableSleep, PermanentProcessingError, type ProcessingContext, type ProcessingResult, type UploadProcessor, type UploadToProcess } from "@pipeline/core";

/** Uploads whose filename starts with this fail permanently. */
export const BROKEN_PREFIX = "broken-";

/**
 * The processing step of the chaos runs: a short random latency, and a permanent failure for the
 * uploads marked broken by their filename (the upload service keeps the name, so the test knows
 * in advance which uploads must end `failed`).
 */
export class ChaosProcessor implements UploadProcessor {
  calls = 0;

  constructor(private readonly maxLatencyMillis: number) {}

  async process(upload: UploadToProcess, { signal }: ProcessingContext): Promise<ProcessingResult> {
    this.calls++;
    await abortableSleep(Math.random() * this.maxLatencyMillis, signal);
    if (upload.filename.startsWith(BROKEN_PREFIX)) throw new PermanentProcessingError(`unreadable file ${upload.filename}`);
    return { description: `chaos ${upload.filename}`, thumbnailPath: null, metadata: { attempt: upload.attempts }, embedding: [0.5, 0.25] };
  }
}
