import type { ProcessingResult, UploadStage, UploadToProcess } from "../upload/types.js";

export interface ProcessingContext {
  /** Aborts when the invocation's processing budget runs out. */
  signal: AbortSignal;
  /** Tells watching clients a stage finished; reported at a bounded rate, best effort. */
  reportStage(stage: UploadStage): void;
}

/**
 * The media and AI step. Throw `PermanentProcessingError` for what can never succeed; any other
 * error is retried. Stop work when `context.signal` aborts.
 */
export interface UploadProcessor {
  process(upload: UploadToProcess, context: ProcessingContext): Promise<ProcessingResult>;
}
