import { errorMessage, PermanentProcessingError } from "../errors.js";
import type { UploadMessage } from "../messages/schemas.js";
import type { Logger } from "../ports/Logger.js";
import type { Metrics } from "../ports/Metrics.js";
import type { ProgressQueue } from "../ports/queues.js";
import type { UploadProcessor } from "../ports/UploadProcessor.js";
import type { UploadClaim, UploadRepository } from "../ports/UploadRepository.js";
import { mapWithConcurrency } from "../support/mapWithConcurrency.js";
import { withDeadline } from "../support/withDeadline.js";
import type { UploadChange, UploadOutcome, UploadToProcess } from "../upload/types.js";
import { decideRetry, type RetryPolicy } from "./retryPolicy.js";
import { StageReportBuffer } from "./StageReportBuffer.js";
import type { Verdict } from "./Verdict.js";

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
  logger: Logger;
  retry: RetryPolicy;
}

export interface ProcessUploadsOptions {
  /** How long processing may take before the outcomes must be committed. */
  processingBudgetMillis: number;
  /** Uploads processed at once within this invocation. */
  concurrency: number;
  /** At most one stage report per batch per this interval. */
  stageReportIntervalMillis?: number;
}

/**
 * Processes one invocation's upload messages: claims them in one statement, runs the processing
 * step, then commits each batch's terminal transitions and counters in one guarded statement, and
 * reports one progress message per batch. Returns a verdict for every message.
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
  const byBatch = new Map<string, { outcomes: UploadOutcome[]; changes: UploadChange[]; messageIds: string[] }>();
  const batchEntry = (batchId: string) => {
    let entry = byBatch.get(batchId);
    if (!entry) {
      entry = { outcomes: [], changes: [], messageIds: [] };
      byBatch.set(batchId, entry);
    }
    return entry;
  };

  const toProcess: Array<{ work: UploadWork; upload: UploadToProcess }> = [];
  const seen = new Set<string>();
  for (const work of works) {
    const claim = claimByRef.get(refKey(work.message));
    const ids = { batchId: work.message.batchId, uploadId: work.message.uploadId };
    if (!claim) throw new Error(`repository returned no claim for upload ${work.message.uploadId}`);
    const rejection = rejectionReason(claim);
    if (rejection) {
      logger.error(`bad upload message: ${rejection}`, { ...ids, messageId: work.messageId });
      verdicts.set(work.messageId, { kind: "dead-letter", reason: rejection });
      continue;
    }
    const entry = batchEntry(work.message.batchId);
    entry.messageIds.push(work.messageId);
    if (claim.kind === "terminal") {
      logger.info("upload already terminal; reporting it again", { ...ids, status: claim.status });
      entry.changes.push({ uploadId: claim.uploadId, status: claim.status });
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
    const entry = batchEntry(upload.batchId);
    try {
      const remaining = options.processingBudgetMillis - (Date.now() - startedAt);
      const result = await withDeadline(remaining, (signal) =>
        deps.processor.process(upload, { signal, reportStage: (stage) => stages.report(upload.batchId, upload.id, stage) }),
      );
      entry.outcomes.push({ uploadId: upload.id, status: "completed", result });
      verdicts.set(work.messageId, { kind: "done" });
    } catch (error) {
      const reason = errorMessage(error);
      if (error instanceof PermanentProcessingError) {
        logger.warn("upload failed permanently", { ...ids, reason });
        entry.outcomes.push({ uploadId: upload.id, status: "failed", error: reason });
        verdicts.set(work.messageId, { kind: "done" });
        return;
      }
      const decision = decideRetry(work.receiveCount, deps.retry);
      if (decision.kind === "give-up") {
        const finalReason = `failed after ${work.receiveCount} attempts: ${reason}`;
        logger.warn("upload failed on its last attempt", { ...ids, reason: finalReason });
        entry.outcomes.push({ uploadId: upload.id, status: "failed", error: finalReason });
        verdicts.set(work.messageId, { kind: "done" });
      } else {
        logger.warn("upload attempt failed; will retry", { ...ids, reason, receiveCount: work.receiveCount, delaySeconds: decision.delaySeconds });
        verdicts.set(work.messageId, { kind: "retry", delaySeconds: decision.delaySeconds, reason });
      }
    }
  });

  await stages.close();

  await Promise.all(
    [...byBatch].map(async ([batchId, entry]) => {
      try {
        if (entry.outcomes.length > 0) {
          const { counted, completed, failed } = await deps.uploads.recordOutcomes(batchId, entry.outcomes);
          logger.info("upload outcomes committed", { batchId, outcomes: entry.outcomes.length, counted });
          deps.metrics?.count("UploadsCompleted", completed);
          deps.metrics?.count("UploadsFailed", failed);
        }
        const changes = [...entry.changes, ...entry.outcomes.map(outcomeChange)];
        if (changes.length > 0) await deps.progress.send({ batchId, changes });
      } catch (error) {
        // Redelivery finds committed uploads terminal and reports them again, so nothing is lost.
        const reason = `commit or progress report failed: ${errorMessage(error)}`;
        logger.error(reason, { batchId });
        for (const messageId of entry.messageIds) {
          const current = verdicts.get(messageId);
          if (current?.kind === "done") verdicts.set(messageId, { kind: "requeue", reason });
        }
      }
    }),
  );
  return verdicts;
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
