import { randomUUID } from "node:crypto";
import { ReceiveMessageCommand, SendMessageCommand, type Message } from "@aws-sdk/client-sqs";
import { createPool } from "@pipeline/adapters/postgres";
import type { Sql } from "@pipeline/adapters/postgres";
import { buildWorkerDeps, createWorkerHandler, readWorkerConfig } from "@pipeline/functions";
import { freePort } from "@pipeline/local";
import { createLambdaContext, seedBatch, toSqsEvent } from "@pipeline/testkit";
import type { SQSBatchResponse } from "aws-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RecordingLogger } from "./support/RecordingLogger.js";
import { RecordingMetrics } from "./support/RecordingMetrics.js";
import { ScriptedProcessor } from "./support/ScriptedProcessor.js";
import { startTestPipeline, type TestPipeline } from "./support/startTestPipeline.js";
import { waitFor } from "./support/waitFor.js";

// Workers whose settle calls fail on fauxqs: their dead-letter queue and their own queue (where
// requeues and visibility changes go) do not exist, as when a first deploy lacks a permission.
describe("a settle call that fails is logged with its cause and the record's ids, and the record comes back", () => {
  let pipeline: TestPipeline;
  let brokenPool: ReturnType<typeof createPool>;
  const logger = new RecordingLogger();
  const metrics = new RecordingMetrics();

  beforeAll(async () => {
    pipeline = await startTestPipeline();
    // Postgres down for the second worker: nothing listens where its driver connects.
    const nowhere = `127.0.0.1:${await freePort()}`;
    brokenPool = createPool({ connectionString: `postgres://postgres:postgres@${nowhere}/none`, localWebSocketProxy: nowhere, max: 2 });
  });
  afterAll(async () => {
    await brokenPool?.end();
    await pipeline?.close();
  });
  beforeEach(async () => {
    logger.lines.length = 0;
    metrics.counts.clear();
    await pipeline.drain("uploads");
  });

  /** A worker on the test's engines whose dead-letter queue and own queue are missing. */
  const worker = (sql: Sql) => {
    const missing = `${pipeline.queues.uploads.url}-missing`;
    const config = readWorkerConfig({
      DATABASE_URL: "postgres://unused",
      BATCHES_QUEUE_URL: pipeline.queues.batches.url,
      UPLOADS_QUEUE_URL: missing,
      UPLOADS_DLQ_URL: `${missing}-dlq`,
      PROGRESS_QUEUE_URL: pipeline.queues.progress.url,
      MEDIA_BUCKET: "unused",
    });
    const processor = new ScriptedProcessor(() => "retryable");
    return createWorkerHandler(buildWorkerDeps(config, { sql, sqs: pipeline.sqs, logger, metrics }, { processor }));
  };

  /** Delivers one message, received with a visibility timeout of one second, so a record left failed is seen again soon. */
  const deliver = async (sql: Sql, body: object): Promise<{ message: Message; response: SQSBatchResponse | void }> => {
    await pipeline.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queues.uploads.url, MessageBody: JSON.stringify(body) }));
    const { Messages = [] } = await pipeline.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: pipeline.queues.uploads.url, VisibilityTimeout: 1, WaitTimeSeconds: 1, MessageSystemAttributeNames: ["All"] }),
    );
    const message = Messages[0];
    if (!message) throw new Error("message not received");
    const context = createLambdaContext({ functionName: "worker", timeoutMillis: 30_000, memoryMb: 1024, region: "us-east-1" });
    return { message, response: await worker(sql)(toSqsEvent([message], pipeline.queues.uploads.arn, "us-east-1"), context) };
  };

  const comesBack = (message: Message) =>
    waitFor(async () => {
      const { Messages = [] } = await pipeline.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: pipeline.queues.uploads.url, WaitTimeSeconds: 1, VisibilityTimeout: 600, MessageSystemAttributeNames: ["All"] }),
      );
      return Messages.find((again) => again.MessageId === message.MessageId);
    }, 10_000, "the failed record to be delivered again");

  const queueDoesNotExist = {
    message: expect.stringMatching(/^QueueDoesNotExist \(AWS\.SimpleQueueService\.NonExistentQueue, HTTP 400\): The specified queue does not exist/),
    name: "QueueDoesNotExist",
    httpStatus: 400,
    fault: "client",
  };

  it("a dead-letter send", async () => {
    // Prepare: an upload no database row knows, which the worker dead-letters.
    const ids = { batchId: randomUUID(), uploadId: randomUUID() };

    // Act
    const { message, response } = await deliver(pipeline.sql, ids);

    // Assess
    expect(response?.batchItemFailures).toEqual([{ itemIdentifier: message.MessageId }]);
    expect(logger.lines.filter((line) => line.message.startsWith("could not send the message to the dead-letter queue"))).toEqual([
      {
        level: "error",
        message: "could not send the message to the dead-letter queue; it will be delivered again",
        attributes: { messageId: message.MessageId, queue: "uploads", ...ids, error: expect.objectContaining(queueDoesNotExist) },
      },
    ]);
    expect(metrics.counts.get("SettleFailed")).toBe(1);
    expect(metrics.counts.get("DeadLetters")).toBeUndefined();
    expect((await comesBack(message)).Attributes?.ApproximateReceiveCount).toBe("2");
  });

  it("a visibility change for a retry", async () => {
    // Prepare: an upload whose processing fails for a passing reason, which the worker retries.
    const batchId = await seedBatch(pipeline.sql, { userId: "settle-retry", uploads: 1 });
    await pipeline.sql.query("UPDATE upload_batches SET status = 'processing' WHERE id = $1", [batchId]);
    const { rows } = await pipeline.sql.query<{ id: string }>("SELECT id FROM uploads WHERE batch_id = $1", [batchId]);
    const ids = { batchId, uploadId: rows[0]?.id };

    const { message, response } = await deliver(pipeline.sql, ids);

    expect(response?.batchItemFailures).toEqual([{ itemIdentifier: message.MessageId }]);
    expect(logger.matching("could not set the retry delay").map((line) => [line.level, line.attributes])).toEqual([
      ["error", { messageId: message.MessageId, queue: "uploads", ...ids, error: expect.objectContaining(queueDoesNotExist) }],
    ]);
    expect(metrics.counts.get("SettleFailed")).toBe(1);
    await comesBack(message);
  });

  it("a requeue while Postgres is down: the driver's failure and the queue's are both named", async () => {
    const ids = { batchId: randomUUID(), uploadId: randomUUID() };

    const { message, response } = await deliver(brokenPool, ids);

    expect(response?.batchItemFailures).toEqual([{ itemIdentifier: message.MessageId }]);
    // The Neon driver rejects with its WebSocket's ErrorEvent: once logged as "[object Object]".
    const [claim] = logger.matching("claim failed");
    expect(claim?.message).toMatch(/^claim failed: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
    expect(claim?.attributes.error).toMatchObject({ code: "ECONNREFUSED" });
    expect(logger.matching("could not requeue the message").map((line) => [line.level, line.attributes])).toEqual([
      ["error", { messageId: message.MessageId, queue: "uploads", ...ids, error: expect.objectContaining(queueDoesNotExist) }],
    ]);
    expect(metrics.counts.get("SettleFailed")).toBe(1);
    expect(metrics.counts.get("MessagesRequeued")).toBeUndefined();
    await comesBack(message);
  });
});
