import { wiring } from "@pipeline/wiring";
import { GetQueueAttributesCommand, SendMessageCommand, type Message } from "@aws-sdk/client-sqs";
import { createPool } from "@pipeline/adapters/postgres";
import { buildWorkerDeps, createWorkerHandler, readWorkerConfig } from "@pipeline/functions";
import { freePort } from "@pipeline/local";
import { batchState, createLambdaContext, seedBatch, toSqsEvent } from "@pipeline/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecordingLogger } from "./support/RecordingLogger.js";
import { chunk, invoke } from "./support/invoke.js";
import { startTestPipeline, type TestPipeline } from "./support/startTestPipeline.js";
import { waitFor } from "./support/waitFor.js";
import { SimulatedUploadProcessor } from "@pipeline/media";

describe("an unreachable database does not use up a message's attempts", () => {
  let pipeline: TestPipeline;
  let brokenPool: ReturnType<typeof createPool>;
  let brokenWorker: ReturnType<typeof createWorkerHandler>;

  beforeAll(async () => {
    pipeline = await startTestPipeline();
    // A worker whose Postgres is down: nothing listens where its driver connects.
    const nowhere = `127.0.0.1:${await freePort()}`;
    brokenPool = createPool({ connectionString: `postgres://postgres:postgres@${nowhere}/none`, localWebSocketProxy: nowhere, max: 2 });
    const config = readWorkerConfig({
      DATABASE_URL: "postgres://unused",
      UPLOADS_QUEUE_URL: pipeline.queues.uploads.url,
      UPLOADS_DLQ_URL: pipeline.queues.uploads.dlqUrl,
      BATCHES_QUEUE_URL: pipeline.queues.batches.url,
      PROGRESS_QUEUE_URL: pipeline.queues.progress.url,
      MEDIA_BUCKET: "unused",
    });
    brokenWorker = createWorkerHandler(
      buildWorkerDeps(config, { sql: brokenPool, sqs: pipeline.sqs, logger: new RecordingLogger(), metrics: pipeline.metrics }, { processor: new SimulatedUploadProcessor() }),
    );
  });
  afterAll(async () => {
    await brokenPool?.end();
    await pipeline?.close();
  });

  const deliver = (messages: Message[]) =>
    brokenWorker(toSqsEvent(messages, pipeline.queues.uploads.arn, "us-east-1"), createLambdaContext({ functionName: "worker", timeoutMillis: 30_000, memoryMb: 1024, region: "us-east-1" }));

  it("requeues the messages as new ones with a delay, then a healthy worker counts each once", async () => {
    // Prepare
    const batchId = await seedBatch(pipeline.sql, { userId: "outage", uploads: 10 });
    await pipeline.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queues.batches.url, MessageBody: JSON.stringify({ batchId }) }));
    await invoke(pipeline, "fanout", await pipeline.drain("batches"));
    const originals = await pipeline.drain("uploads");
    expect(originals).toHaveLength(10);

    // Act: the database is down for this invocation.
    const requeuedBefore = pipeline.metrics.counts.get("MessagesRequeued") ?? 0;
    const response = await deliver(originals.map((message) => ({ ...message, Attributes: { ...message.Attributes, ApproximateReceiveCount: "3" } })));

    // Assess: acknowledged, not failed; copies are on their way with a fresh receive count.
    expect(response?.batchItemFailures).toEqual([]);
    expect((pipeline.metrics.counts.get("MessagesRequeued") ?? 0) - requeuedBefore).toBe(10);
    expect(await pipeline.drain("uploads-dlq")).toHaveLength(0);
    const { Attributes } = await pipeline.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: pipeline.queues.uploads.url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"] }),
    );
    expect(Attributes).toMatchObject({ ApproximateNumberOfMessages: "0", ApproximateNumberOfMessagesDelayed: "10" });
    // The copies were sent one by one: their delays end a few milliseconds apart.
    const copies: Message[] = [];
    await waitFor(async () => {
      copies.push(...(await pipeline.drain("uploads")));
      return copies.length >= 10 ? copies : undefined;
    }, 15_000, "the requeued copies after their delay");
    expect(copies).toHaveLength(10);
    for (const copy of copies) {
      expect(copy.MessageAttributes?.requeues?.StringValue).toBe("1");
      expect(copy.Attributes?.ApproximateReceiveCount).toBe("1");
    }
    expect(copies.map((copy) => copy.Body).sort()).toEqual(originals.map((original) => original.Body).sort());

    for (const records of chunk(copies, 10)) expect((await invoke(pipeline, "worker", records)).batchItemFailures).toEqual([]);
    for (const records of chunk(await pipeline.drain("progress"), 100)) await invoke(pipeline, "finalizer", records);
    expect(await batchState(pipeline.sql, batchId)).toMatchObject({ status: "completed", processed: 10, successful: 10 });
  });

  it("counts the attempt once a message has been requeued too often, so nothing loops forever", async () => {
    await pipeline.sqs.send(
      new SendMessageCommand({
        QueueUrl: pipeline.queues.uploads.url,
        MessageBody: JSON.stringify({ batchId: "6f1c2a9e-8d2b-4c1a-9f3e-2b7d5c4a1e90", uploadId: "0b8e7d6c-5a4f-4e3d-8c2b-1a0f9e8d7c6b" }),
        MessageAttributes: { requeues: { DataType: "Number", StringValue: String(wiring.requeue.maxRequeues) } },
      }),
    );
    const [message] = await pipeline.drain("uploads");
    const exhaustedBefore = pipeline.metrics.counts.get("RequeuesExhausted") ?? 0;

    const response = await deliver([message as Message]);

    expect(response?.batchItemFailures).toEqual([{ itemIdentifier: message?.MessageId }]);
    expect((pipeline.metrics.counts.get("RequeuesExhausted") ?? 0) - exhaustedBefore).toBe(1);
    // Failed as an attempt, and no copy sent: the queue's redrive policy takes it from here.
    const { Attributes } = await pipeline.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: pipeline.queues.uploads.url, AttributeNames: ["ApproximateNumberOfMessagesDelayed"] }),
    );
    expect(Attributes?.ApproximateNumberOfMessagesDelayed).toBe("0");
  });
});
