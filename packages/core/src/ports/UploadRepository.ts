import type { BatchStatus } from "../batch/batchStatus.js";
import type { FlowPolicy, Release } from "../flow/batchFlow.js";
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
    /** The batch is paused: the upload was not started and is held, to be released again on resume. */
    | { kind: "batch-paused" }
    | { kind: "claimed"; upload: UploadToProcess }
    /** Made terminal by a concurrent delivery while the claim waited; that delivery reports it. */
    | { kind: "claimed-elsewhere" }
  );

export interface UploadRepository {
  /**
   * Marks the non-terminal uploads of processing, unpaused batches as processing, in one
   * statement; a paused batch's pending uploads are held instead.
   */
  claim(refs: readonly UploadRef[]): Promise<UploadClaim[]>;
  /**
   * Moves uploads to their terminal state and adds them to the batch's counters in one statement,
   * only for uploads that were not terminal before, and in the same statement tops up the batch's
   * window by what finished (`BatchRepository.releaseWindow`). Returns how many were counted now,
   * by outcome, and the ids released, which the caller must send.
   */
  recordOutcomes(batchId: string, outcomes: readonly UploadOutcome[], policy: FlowPolicy): Promise<RecordedOutcomes>;
  /** Holds released uploads whose messages could not be sent: the next release sends them first. */
  hold(batchId: string, uploadIds: readonly string[]): Promise<void>;
}

export interface RecordedOutcomes {
  counted: number;
  completed: number;
  failed: number;
  /** Uploads of the batch released into the window this statement freed. */
  released: Release;
}
