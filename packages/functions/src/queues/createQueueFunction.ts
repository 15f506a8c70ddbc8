import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { HandlerLogger, PublishingMetrics } from "@pipeline/adapters/powertools";
import type { SqsDeadLetterQueue, SqsMessageVisibility, SqsRequeue } from "@pipeline/adapters/sqs";
import { dependencyFailure, parseMessage, REQUEUES_ATTRIBUTE, settlementOf, type RequeuePolicy, type Verdict } from "@pipeline/core";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { z } from "zod";

/** Where a function's messages go when their verdict sends them anywhere but back to the queue. */
export interface Settle {
  deadLetters: Pick<SqsDeadLetterQueue, "send">;
  /** The function's own queue, for messages whose dependency was down. */
  requeue: Pick<SqsRequeue, "send">;
  /** When set, a retry's delay is applied to the message before it is reported failed. */
  visibility?: Pick<SqsMessageVisibility, "delay">;
  sourceQueue: string;
  /** The wiring's `requeue` numbers. */
  requeuePolicy: RequeuePolicy;
}

export interface QueueFunctionDeps {
  logger: HandlerLogger;
  metrics: PublishingMetrics;
  settle: Settle;
}

/** A record whose body fits the function's schema. */
export interface QueueRecord<M> {
  messageId: string;
  message: M;
  /** SQS ApproximateReceiveCount: 1 on the first delivery. */
  receiveCount: number;
}

type Handle<M, D> =
  /** Each record on its own: a use case that throws requeues only the record it was given. */
  | { handleEach(record: QueueRecord<M>, context: Context, deps: D): Promise<Verdict> }
  /** The invocation's records together: a use case that throws requeues them all. */
  | { handleAll(records: readonly QueueRecord<M>[], context: Context, deps: D): Promise<ReadonlyMap<string, Verdict>> };

export type QueueFunction<S extends z.ZodType, D> = {
  /** Names the message in the log line of a body that does not parse: "bad upload message: …". */
  message: string;
  schema: S;
  /** Names the work in the reason a record is requeued with when its use case throws: "claim failed: …". */
  failure: string;
} & Handle<z.infer<S>, D>;

/**
 * The skeleton of the queue-triggered functions, as Powertools' `processPartialResponse` is of a
 * batch loop: a function brings its schema and its use case; this parses every record (a body
 * that does not fit is dead-lettered with the reason), runs the use case for a verdict per record
 * (a throw is a dependency failure: requeue), settles each record by its verdict into a partial
 * batch response, and publishes the metrics.
 *
 * @example
 * export const createFanoutHandler = createQueueFunction({
 *   message: "batch",
 *   schema: batchMessageSchema,
 *   failure: "fan-out failed",
 *   handleEach: async ({ message }, context, deps) => fanOutVerdict(message, await fanOutBatch(deps, message, options)),
 * });
 */
export function createQueueFunction<S extends z.ZodType, D extends QueueFunctionDeps>(fn: QueueFunction<S, D>) {
  return (deps: D) =>
    async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
      deps.logger.addContext?.(context);
      const verdicts = new Map<string, Verdict>();
      const records: Array<QueueRecord<z.infer<S>>> = [];
      for (const record of event.Records) {
        const parsed = parseMessage(fn.schema, record.body);
        if (parsed.ok) records.push({ messageId: record.messageId, message: parsed.value, receiveCount: receiveCount(record) });
        else {
          deps.logger.error(`bad ${fn.message} message: ${parsed.reason}`, { messageId: record.messageId });
          verdicts.set(record.messageId, { kind: "dead-letter", reason: parsed.reason });
        }
      }
      const units: Array<{ records: ReadonlyArray<QueueRecord<z.infer<S>>>; run: () => Promise<Iterable<readonly [string, Verdict]>> }> =
        "handleEach" in fn
          ? records.map((record) => ({ records: [record], run: async () => [[record.messageId, await fn.handleEach(record, context, deps)] as const] }))
          : records.length > 0
            ? [{ records, run: () => fn.handleAll(records, context, deps) }]
            : [];
      for (const unit of units) {
        try {
          for (const [messageId, verdict] of await unit.run()) verdicts.set(messageId, verdict);
        } catch (error) {
          const verdict = dependencyFailure(fn.failure, error);
          deps.logger.error(verdict.reason, { messageIds: unit.records.map((record) => record.messageId) });
          for (const { messageId } of unit.records) verdicts.set(messageId, verdict);
        }
      }
      try {
        return await settleRecords(event, context, verdicts, deps);
      } finally {
        deps.metrics.publish();
      }
    };
}

/** A record reported as failed so the queue delivers it again. */
class RetryLaterError extends Error {
  override readonly name = "RetryLaterError";
}

function settleRecords(event: SQSEvent, context: Context, verdicts: ReadonlyMap<string, Verdict>, deps: QueueFunctionDeps): Promise<SQSBatchResponse> {
  const { logger, metrics, settle } = deps;
  const settleRecord = async (record: SQSRecord): Promise<void> => {
    const { messageId } = record;
    const previousRequeues = Number(record.messageAttributes[REQUEUES_ATTRIBUTE]?.stringValue ?? 0);
    const settlement = settlementOf(verdicts.get(messageId), previousRequeues, settle.requeuePolicy);
    switch (settlement.kind) {
      case "acknowledge":
        return;
      case "dead-letter":
        await settle.deadLetters.send({ body: record.body, reason: settlement.reason, sourceQueue: settle.sourceQueue, messageId });
        logger.warn("message sent to the dead-letter queue", { messageId, reason: settlement.reason, sourceQueue: settle.sourceQueue });
        metrics.count("DeadLetters");
        return;
      case "requeue":
        await settle.requeue.send(record.body, settlement.requeues, settlement.delaySeconds);
        logger.warn("a dependency was unreachable; message requeued", { messageId, reason: settlement.reason, requeues: settlement.requeues, delaySeconds: settlement.delaySeconds });
        metrics.count("MessagesRequeued");
        return;
      case "retry":
        if (settlement.requeuesExhausted) {
          logger.error("requeued too often; the failure now counts as an attempt", { messageId, reason: settlement.reason, requeues: previousRequeues });
          metrics.count("RequeuesExhausted");
        }
        await settle.visibility?.delay(record.receiptHandle, settlement.delaySeconds).catch((error: unknown) => {
          logger.warn("could not set the retry delay; the visibility timeout applies", { messageId, reason: String(error) });
        });
        throw new RetryLaterError(settlement.reason);
    }
  };
  // A processor per invocation: the local runtime runs invocations of one function concurrently in
  // one process, and a processor holds the state of the batch it is working on.
  return processPartialResponse(event, settleRecord, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false });
}

function receiveCount(record: SQSRecord): number {
  const count = Number(record.attributes.ApproximateReceiveCount);
  return Number.isFinite(count) && count >= 1 ? count : 1;
}
