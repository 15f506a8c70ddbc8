import { describeError } from "../describeError.js";
import { boundedReason, PermanentProcessingError } from "../errors.js";
import type { UploadMessage } from "../messages/schemas.js";
import type { Logger } from "../ports/Logger.js";
import type { Metrics } from "../ports/Metrics.js";
import type { BatchQueue, ProgressQueue, UploadQueue } from "../ports/queues.js";
import type { FlowPolicy } from "../flow/batchFlow.js";
import type { UploadProcessor } from "../ports/UploadProcessor.js";
import type { UploadClaim, UploadRepository } from "../ports/UploadRepository.js";
import { mapWithConcurrency } from "../support/mapWithConcurrency.js";
import { withDeadline } from "../support/withDeadline.js";
import type { UploadChange, UploadOutcome, UploadToProcess } from "../upload/types.js";
import { OutcomeCommitter } from "./OutcomeCommitter.js";
import { StageReportBuffer } from "./StageReportBuffer.js";
import { decideRetry, type RetryPolicy, type Verdict } from "../verdict/messageFate.js";

export interface UploadWork {
  messageId: string;
  message: UploadMessage;
  /** SQS ApproximateReceiveCount: 1 on the first delivery. */
  receiveCount: number;
}

export interface ProcessUploadsDeps {
  uploads: UploadRepository;
  metrics?: Metrics;
  processor: UploadProcessor;
  progress: ProgressQueue;
  /** Where the uploads that outcome commits release into their batches' windows are sent. */
  uploadQueue: UploadQueue;
  /** A delayed batch message re-releases a window whose refill may have been lost (below). */
  batchQueue: BatchQueue;
  logger: Logger;
  retry: RetryPolicy;
  flow: FlowPolicy;
}

export interface ProcessUploadsOptions {
  /** How long processing may take before the outcomes must be committed. */
  processingBudgetMillis: number;
  /** Uploads processed at once within this invocation. */
  concurrency: number;
  /** At most one stage report per batch per this interval. */
  stageReportIntervalMillis?: number;
  /** How long a finished upload's outcome may wait for others to be committed with it. */
  commitLingerMillis?: number;
}

/**
 * Processes one invocation's upload messages: claims them in one statement, runs the processing
 * step, and commits the terminal transitions and counters of the uploads that finished together
 * in one guarded statement per batch, with one progress message. Returns a verdict for every
 * message.
 */
export async function processUploads(
  deps: ProcessUploadsDeps,
  works: readonly UploadWork[],
  options: ProcessUploadsOptions,
): Promise<Map<string, Verdict>> {
  const verdicts = new Map<string, Verdict>();
  if (works.length === 0) return verdicts;
  const { logger } = deps;

  const claims = await deps.uploads.claim(works.map((work) => work.message));
  const claimByRef = new Map(claims.map((claim) => [refKey(claim), claim]));
  const committer = new OutcomeCommitter(deps, options.commitLingerMillis ?? 1000);
  const finish = (work: UploadWork, outcome: UploadOutcome) => {
    if (outcome.status === "failed") outcome = { ...outcome, error: boundedReason(outcome.error) };
    committer.add(work.message.batchId, work.messageId, { outcome, change: outcomeChange(outcome) });
    verdicts.set(work.messageId, { kind: "done" });
  };

  const toProcess: Array<{ work: UploadWork; upload: UploadToProcess }> = [];
  const seen = new Set<string>();
  const redelivered = new Set<string>();
  for (const work of works) {
    const claim = claimByRef.get(refKey(work.message));
    const ids = { batchId: work.message.batchId, uploadId: work.message.uploadId };
    if (!claim) throw new Error(`repository returned no claim for upload ${work.message.uploadId}`);
    const rejection = rejectionReason(claim);
    if (rejection) {
      logger.error(`bad upload message: ${rejection}`, { ...ids, messageId: work.messageId });
      verdicts.set(work.messageId, { kind: "dead-letter", reason: rejection });
    } else if (claim.kind === "terminal") {
      logger.info("upload already terminal; reporting it again", { ...ids, status: claim.status });
      redelivered.add(claim.batchId);
      committer.add(claim.batchId, work.messageId, { change: { uploadId: claim.uploadId, status: claim.status } });
      verdicts.set(work.messageId, { kind: "done" });
    } else if (claim.kind === "batch-paused") {
      logger.info("batch is paused; upload held until it resumes", ids);
      verdicts.set(work.messageId, { kind: "done" });
    } else if (claim.kind === "batch-not-processing") {
      logger.warn("batch is not processing; upload skipped", { ...ids, batchStatus: claim.batchStatus });
      verdicts.set(work.messageId, { kind: "done" });
    } else if (claim.kind === "claimed-elsewhere") {
      logger.info("upload finished by a concurrent delivery", ids);
      verdicts.set(work.messageId, { kind: "done" });
    } else if (seen.has(claim.uploadId)) {
      logger.info("duplicate delivery within one invocation; processed once", ids);
      verdicts.set(work.messageId, { kind: "done" });
    } else if (claim.kind === "claimed") {
      seen.add(claim.uploadId);
      toProcess.push({ work, upload: claim.upload });
    }
  }

  const startedAt = Date.now();
  const stages = new StageReportBuffer(deps.progress, options.stageReportIntervalMillis ?? 1000, logger);
  await mapWithConcurrency(toProcess, options.concurrency, async ({ work, upload }) => {
    const ids = { batchId: upload.batchId, uploadId: upload.id };
    try {
      const remaining = options.processingBudgetMillis - (Date.now() - startedAt);
      const result = await withDeadline(remaining, (signal) =>
        deps.processor.process(upload, { signal, reportStage: (stage) => stages.report(upload.batchId, upload.id, stage) }),
      );
      finish(work, { uploadId: upload.id, status: "completed", result });
    } catch (error) {
      const described = describeError(error);
      const reason = described.message;
      if (error instanceof PermanentProcessingError) {
        logger.warn("upload failed permanently", { ...ids, error: described });
        finish(work, { uploadId: upload.id, status: "failed", error: reason });
        return;
      }
      const decision = decideRetry(work.receiveCount, deps.retry);
      if (decision.kind === "give-up") {
        const finalReason = `failed after ${work.receiveCount} attempts: ${reason}`;
        logger.warn("upload failed on its last attempt", { ...ids, attempts: work.receiveCount, error: described });
        finish(work, { uploadId: upload.id, status: "failed", error: finalReason });
      } else {
        logger.warn("upload attempt failed; will retry", { ...ids, error: described, receiveCount: work.receiveCount, delaySeconds: decision.delaySeconds });
        verdicts.set(work.messageId, { kind: "retry", delaySeconds: decision.delaySeconds, reason });
      }
    }
  });

  await stages.close();
  await committer.close();
  for (const [messageId, reason] of committer.failed) verdicts.set(messageId, { kind: "requeue", reason });
  await checkWindowsLater(deps, new Set([...redelivered, ...committer.uncertain]));
  return verdicts;
}

/**
 * A message for an upload already terminal is a redelivery after a commit (or a duplicate), and a
 * commit that failed may have committed all the same (its answer lost): either way the commit's
 * refill may never have been sent (the worker died after it, or never saw its ids). One
 * batch message per batch, delayed past the release lease, has the fan-out release again whatever
 * of the window is still unstarted by then (`releaseLeaseSeconds`); if the refill went out, it
 * finds nothing to do. Best effort: the reconciler re-sends lost releases too, later.
 */
async function checkWindowsLater(deps: ProcessUploadsDeps, batchIds: ReadonlySet<string>): Promise<void> {
  const delaySeconds = Math.min(900, Math.ceil(deps.flow.releaseLeaseSeconds) + 5);
  for (const batchId of batchIds) {
    await deps.batchQueue.send({ batchId }, { delaySeconds }).catch((error: unknown) => {
      deps.logger.warn("window check could not be scheduled; the reconciler will cover it", { batchId, error: describeError(error) });
    });
  }
}

function refKey(ref: { batchId: string; uploadId: string }): string {
  return `${ref.batchId}/${ref.uploadId}`;
}

function outcomeChange(outcome: UploadOutcome): UploadChange {
  return outcome.status === "failed"
    ? { uploadId: outcome.uploadId, status: "failed", error: outcome.error }
    : { uploadId: outcome.uploadId, status: "completed" };
}

function rejectionReason(claim: UploadClaim): string | undefined {
  switch (claim.kind) {
    case "unknown-upload":
      return `unknown upload ${claim.uploadId}`;
    case "unknown-batch":
      return `unknown batch ${claim.batchId}`;
    case "batch-mismatch":
      return `upload ${claim.uploadId} belongs to batch ${claim.actualBatchId}, not ${claim.batchId}`;
    default:
      return undefined;
  }
}
