import type { ProcessingResult, UploadToProcess } from "../upload/types.js";

/**
 * The media and AI step. Throw `PermanentProcessingError` for what can never succeed; any other
 * error is retried. Stop work when `signal` aborts.
 */
export interface UploadProcessor {
  process(upload: UploadToProcess, signal: AbortSignal): Promise<ProcessingResult>;
}
