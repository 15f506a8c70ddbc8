export * from "./batch/batchStatus.js";
export type { BatchSnapshot } from "./batch/BatchSnapshot.js";
export * from "./upload/uploadStatus.js";
export { InvalidKeySegmentError, isUuid, ownerKeySegment, thumbnailObjectKey, uploadObjectKey } from "./upload/objectKeys.js";
export { MAX_FILENAME_LENGTH, safeFilename } from "./upload/safeFilename.js";
export { UPLOAD_STAGES, type ProcessingResult, type StoredResults, type UploadChange, type UploadOutcome, type UploadStage, type UploadToProcess } from "./upload/types.js";
export { boundedReason, MAX_REASON_LENGTH, PermanentProcessingError, ProcessingTimeoutError } from "./errors.js";
export { describeError, errorMessage, type ErrorDescription } from "./describeError.js";
export * from "./messages/schemas.js";
export { parseMessage, type ParseResult } from "./messages/parseMessage.js";
export type { Logger, LogAttributes } from "./ports/Logger.js";
export type { BatchRepository, FanOutStart, ProgressAdvance, UploadStateRequest } from "./ports/BatchRepository.js";
export type { RecordedOutcomes, UploadClaim, UploadRef, UploadRepository } from "./ports/UploadRepository.js";
export type { Connection, ConnectionRepository, FrameAdmission, FrameBucket, NewConnection } from "./ports/ConnectionRepository.js";
export type { BatchQueue, ProgressQueue, UploadQueue } from "./ports/queues.js";
export type { ConnectionNotifier, PushResult } from "./ports/ConnectionNotifier.js";
export type { ProcessingContext, UploadProcessor } from "./ports/UploadProcessor.js";
export type { StageResults, StageStore } from "./ports/StageStore.js";
export type { BatchCounters } from "./batch/BatchCounters.js";
export { countersOf } from "./batch/countersOf.js";
export {
  BATCH_PRIORITIES,
  defaultPriority,
  estimateSecondsLeft,
  isValidMaxInFlight,
  MAX_IN_FLIGHT_LIMIT,
  type BatchFlow,
  type BatchPriority,
  type FlowPolicy,
  type PriorityPolicy,
  type RateSample,
  type Release,
} from "./flow/batchFlow.js";
export { sendReleased, type SendReleasedDeps } from "./flow/sendReleased.js";
export * from "./progress/serverMessages.js";
export { changedUploads } from "./progress/changedUploads.js";
export { finalizeProgress, finalizeVerdict, PushHoldLost, type FinalizeProgressDeps, type FinalizeProgressOptions, type FinalizeProgressResult } from "./progress/finalizeProgress.js";
export { fanOutBatch, fanOutVerdict, type FanOutDeps, type FanOutResult } from "./fanout/fanOutBatch.js";
export { processUploads, type ProcessUploadsDeps, type ProcessUploadsOptions, type UploadWork } from "./worker/processUploads.js";
export {
  decideRetry,
  dependencyFailure,
  requeueDelaySeconds,
  REQUEUES_ATTRIBUTE,
  settlementOf,
  type RetryDecision,
  type RequeuePolicy,
  type RetryPolicy,
  type Settlement,
  type Verdict,
} from "./verdict/messageFate.js";
export { mapWithConcurrency } from "./support/mapWithConcurrency.js";
export { withDeadline } from "./support/withDeadline.js";
export { abortableSleep } from "./support/abortableSleep.js";
export { isLoopbackHost } from "./support/isLoopbackHost.js";
export { readWithinBytes } from "./support/readWithinBytes.js";
export { InvalidTokenError, type TokenVerifier, type VerifiedToken } from "./ports/TokenVerifier.js";
export { openConnection, closeConnection, type ConnectionDeps } from "./connection/connections.js";
export { admitClientFrame, type FrameDeps } from "./connection/admitClientFrame.js";
export type { BatchPage, BatchReader, BatchView, UploadView } from "./ports/BatchReader.js";
export { readBatch, MAX_UPLOADS_PER_PAGE } from "./batch/readBatch.js";
export { resumeUnfinishedBatches, type ResumeDeps } from "./fanout/resumeUnfinishedBatches.js";
export { subscribeToBatch, SNAPSHOT_PAGE_SIZE } from "./connection/subscribeToBatch.js";
export { sweepStaleConnections, type SweepDeps, type SweepOptions } from "./connection/sweepStaleConnections.js";
export type { BatchControls, CancelOutcome, ControlScope, FlowChange, FlowOutcome, RetryOutcome } from "./ports/BatchControls.js";
export { changeBatchFlow, pauseBatch, resumeBatch, type ControlRequest, type FlowControlDeps } from "./operations/flowControls.js";
export { cancelBatch, type CancelBatchDeps } from "./operations/cancelBatch.js";
export { retryFailedUploads, type RetryFailedDeps } from "./operations/retryFailedUploads.js";
export type { BatchMaintenance, CounterRepair, Counters, StalledBatch } from "./ports/BatchMaintenance.js";
export type { DeadLetterInspector, DeadLetterMessage, OffloadedBody } from "./ports/DeadLetterInspector.js";
export { QUEUE_NAMES, type QueueAddress, type QueueName } from "./ports/queueNames.js";
export { reconcile, type ReconcileDeps, type ReconcileOptions, type ReconcileReport, type StalledReport } from "./operations/reconcile.js";
export { DeadLetterNotDeletedError, type DeadLetterStore, type HeldDeadLetter } from "./ports/DeadLetterStore.js";
export { DEFAULT_REDRIVE_RATE_PER_SECOND, redriveDeadLetters, type RedriveOptions, type RedriveReport } from "./operations/redriveDeadLetters.js";
export { type CountMetric, type DurationMetric, type Metrics } from "./ports/Metrics.js";
export type { PushSequencer } from "./ports/PushSequencer.js";
