import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { HandlerLogger, PublishingMetrics } from "@pipeline/adapters/powertools";
import type { SqsDeadLetterQueue, SqsMessageVisibility, SqsRequeue } from "@pipeline/adapters/sqs";
import { dependencyFailure, describeError, parseMessage, REQUEUES_ATTRIBUTE, settlementOf, type LogAttributes, type RequeuePolicy, type Verdict } from "@pipeline/core";
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
          deps.logger.error(verdict.reason, { messageIds: unit.records.map((record) => record.messageId), error: describeError(error) });
          for (const { messageId } of unit.records) verdicts.set(messageId, verdict);
        }
      }
      const ids = new Map(records.map((record) => [record.messageId, domainIds(record.message)]));
      try {
        return await settleRecords(event, context, verdicts, ids, deps);
      } finally {
        deps.metrics.publish();
      }
    };
}

/** A record reported as failed so the queue delivers it again. */
class RetryLaterError extends Error {
  override readonly name = "RetryLaterError";
}

function settleRecords(
  event: SQSEvent,
  context: Context,
  verdicts: ReadonlyMap<string, Verdict>,
  ids: ReadonlyMap<string, LogAttributes>,
  deps: QueueFunctionDeps,
): Promise<SQSBatchResponse> {
  const { logger, metrics, settle } = deps;
  const settleRecord = async (record: SQSRecord): Promise<void> => {
    const { messageId } = record;
    const about = { messageId, queue: settle.sourceQueue, ...ids.get(messageId) };
    // A settle call that fails leaves the record failed, so the queue delivers it again. Logged
    // here: in the partial batch response alone it would show only as a silent redelivery.
    const settleFailed = (failure: string, error: unknown) => {
      logger.error(failure, { ...about, error: describeError(error) });
      metrics.count("SettleFailed");
      return error;
    };
    const previousRequeues = Number(record.messageAttributes[REQUEUES_ATTRIBUTE]?.stringValue ?? 0);
    const settlement = settlementOf(verdicts.get(messageId), previousRequeues, settle.requeuePolicy);
    switch (settlement.kind) {
      case "acknowledge":
        return;
      case "dead-letter": {
        const parked = await settle.deadLetters
          .send({ body: record.body, reason: settlement.reason, sourceQueue: settle.sourceQueue, messageId })
          .catch((error: unknown) => {
            throw settleFailed("could not send the message to the dead-letter queue; it will be delivered again", error);
          });
        if (parked.offloaded) {
          logger.warn("message sent to the dead-letter queue; its body was too large to park with the reason and is kept in object storage", {
            ...about,
            reason: settlement.reason,
            bodyLocation: parked.location,
            bodyBytes: parked.bytes,
          });
        } else logger.warn("message sent to the dead-letter queue", { ...about, reason: settlement.reason });
        metrics.count("DeadLetters");
        return;
      }
      case "requeue":
        await settle.requeue
          .send(record.body, settlement.requeues, settlement.delaySeconds)
          .catch((error: unknown) => {
            throw settleFailed("could not requeue the message; it will be delivered again", error);
          });
        logger.warn("a dependency was unreachable; message requeued", { ...about, reason: settlement.reason, requeues: settlement.requeues, delaySeconds: settlement.delaySeconds });
        metrics.count("MessagesRequeued");
        return;
      case "retry":
        if (settlement.requeuesExhausted) {
          logger.error("requeued too often; the failure now counts as an attempt", { ...about, reason: settlement.reason, requeues: previousRequeues });
          metrics.count("RequeuesExhausted");
        }
        await settle.visibility
          ?.delay(record.receiptHandle, settlement.delaySeconds)
          .catch((error: unknown) => void settleFailed("could not set the retry delay; the message comes back after its visibility timeout", error));
        throw new RetryLaterError(settlement.reason);
    }
  };
  // A processor per invocation: the local runtime runs invocations of one function concurrently in
  // one process, and a processor holds the state of the batch it is working on.
  return processPartialResponse(event, settleRecord, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false });
}

/** The batch and upload a parsed message is about, for the log lines of its settlement. */
function domainIds(message: unknown): LogAttributes {
  const fields = typeof message === "object" && message !== null ? (message as Record<string, unknown>) : {};
  return Object.fromEntries((["batchId", "uploadId"] as const).filter((key) => typeof fields[key] === "string").map((key) => [key, fields[key]]));
}

function receiveCount(record: SQSRecord): number {
  const count = Number(record.attributes.ApproximateReceiveCount);
  return Number.isFinite(count) && count >= 1 ? count : 1;
}
