import type { BatchStatus } from "../batch/batchStatus.js";
import type { UploadOutcome, UploadToProcess } from "../upload/types.js";
import type { UploadStatus } from "../upload/uploadStatus.js";

export interface UploadRef {
  batchId: string;
  uploadId: string;
}

export type UploadClaim = UploadRef &
  (
    | { kind: "unknown-upload" }
    | { kind: "unknown-batch" }
    | { kind: "batch-mismatch"; actualBatchId: string }
    | { kind: "terminal"; status: UploadStatus }
    | { kind: "batch-not-processing"; batchStatus: BatchStatus }
    | { kind: "claimed"; upload: UploadToProcess }
    /** Made terminal by a concurrent delivery while the claim waited; that delivery reports it. */
    | { kind: "claimed-elsewhere" }
  );

export interface UploadRepository {
  /** Marks the non-terminal uploads of processing batches as processing, in one statement. */
  claim(refs: readonly UploadRef[]): Promise<UploadClaim[]>;
  /**
   * Moves uploads to their terminal state and adds them to the batch's counters in one statement,
   * only for uploads that were not terminal before. Returns how many were counted now, by outcome.
   */
  recordOutcomes(batchId: string, outcomes: readonly UploadOutcome[]): Promise<{ counted: number; completed: number; failed: number }>;
}
