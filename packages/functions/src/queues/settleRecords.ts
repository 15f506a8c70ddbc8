import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { REQUEUES_ATTRIBUTE, type SqsDeadLetterQueue, type SqsMessageVisibility, type SqsRequeue } from "@pipeline/adapters/sqs";
import { MAX_REQUEUES, requeueDelaySeconds, type Logger, type Metrics, type Verdict } from "@pipeline/core";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

export interface SettleDeps {
  deadLetters: SqsDeadLetterQueue;
  /** The function's own queue, for messages whose dependency was down. */
  requeue: SqsRequeue;
  /** When set, a retry verdict's delay is applied to the message before it is reported failed. */
  visibility?: SqsMessageVisibility;
  logger: Logger;
  metrics: Metrics;
  sourceQueue: string;
}

/** A record reported as failed so the queue delivers it again. */
export class RetryLaterError extends Error {
  override readonly name = "RetryLaterError";
}

/**
 * Turns per-message verdicts into the partial batch response: dead letters are parked with their
 * reason and acknowledged, requeued messages are sent again as new ones and acknowledged, retries
 * get their backoff and are reported failed.
 */
export async function settleRecords(
  event: SQSEvent,
  context: Context,
  verdicts: ReadonlyMap<string, Verdict>,
  deps: SettleDeps,
): Promise<SQSBatchResponse> {
  const settle = async (record: SQSRecord): Promise<void> => {
    const verdict = verdicts.get(record.messageId) ?? { kind: "retry", delaySeconds: 0, reason: "no verdict for this message" };
    if (verdict.kind === "done") return;
    if (verdict.kind === "dead-letter") {
      await deps.deadLetters.send({ body: record.body, reason: verdict.reason, sourceQueue: deps.sourceQueue, messageId: record.messageId });
      deps.logger.warn("message sent to the dead-letter queue", { messageId: record.messageId, reason: verdict.reason, sourceQueue: deps.sourceQueue });
      deps.metrics.count("DeadLetters");
      return;
    }
    if (verdict.kind === "requeue") {
      const requeues = Number(record.messageAttributes[REQUEUES_ATTRIBUTE]?.stringValue ?? 0);
      if (requeues < MAX_REQUEUES) {
        const delaySeconds = requeueDelaySeconds(requeues);
        await deps.requeue.send(record.body, requeues + 1, delaySeconds);
        deps.logger.warn("a dependency was unreachable; message requeued", { messageId: record.messageId, reason: verdict.reason, requeues: requeues + 1, delaySeconds });
        return;
      }
      deps.logger.error("requeued too often; the failure now counts as an attempt", { messageId: record.messageId, reason: verdict.reason, requeues });
    }
    if (deps.visibility) {
      await deps.visibility.delay(record.receiptHandle, verdict.kind === "retry" ? verdict.delaySeconds : requeueDelaySeconds(MAX_REQUEUES)).catch((error: unknown) => {
        deps.logger.warn("could not set the retry delay; the visibility timeout applies", { messageId: record.messageId, reason: String(error) });
      });
    }
    throw new RetryLaterError(verdict.reason);
  };
  // A processor per invocation: the local runtime runs invocations of one function concurrently in
  // one process, and a processor holds the state of the batch it is working on.
  return processPartialResponse(event, settle, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false });
}
