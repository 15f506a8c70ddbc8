import { SendMessageCommand, type Message } from "@aws-sdk/client-sqs";
import { asDelivery, batchState, seedBatch } from "@pipeline/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunk, invoke, shuffle } from "./support/invoke.js";
import { startTestPipeline, type TestPipeline } from "./support/startTestPipeline.js";

describe("at-least-once delivery", () => {
  let pipeline: TestPipeline;

  beforeAll(async () => {
    pipeline = await startTestPipeline();
  });
  afterAll(() => pipeline?.close());

  async function fanOut(batchId: string): Promise<Message[]> {
    await pipeline.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queues.batches.url, MessageBody: JSON.stringify({ batchId }) }));
    const [batchMessage] = await pipeline.drain("batches");
    expect(batchMessage).toBeDefined();
    const response = await invoke(pipeline, "fanout", [batchMessage as Message]);
    expect(response.batchItemFailures).toEqual([]);
    return pipeline.drain("uploads");
  }

  /** Batches the finalizer finished so far in this file (its operator metric): each test takes its own difference. */
  const finalizations = () => pipeline.metrics.counts.get("BatchesFinalized") ?? 0;

  async function finalize(): Promise<void> {
    const progress = await pipeline.drain("progress");
    for (const messages of chunk(progress, 100)) {
      expect((await invoke(pipeline, "finalizer", messages)).batchItemFailures).toEqual([]);
    }
  }

  it("counts every upload once when each message arrives twice and some three times, out of order", async () => {
    // Prepare
    const batchId = await seedBatch(pipeline.sql, { userId: "user-dup", uploads: 1000 });
    const uploads = await fanOut(batchId);
    expect(uploads).toHaveLength(1000);
    const deliveries = uploads.flatMap((message, index) => {
      const copies = [asDelivery(message, 1), asDelivery({ ...message, MessageId: `${message.MessageId}-2` }, 2)];
      if (index % 7 === 0) copies.push(asDelivery({ ...message, MessageId: `${message.MessageId}-3` }, 3));
      return copies;
    });

    const finalizedBefore = finalizations();

    // Act: ten records an invocation, two invocations at a time, as two concurrent Lambdas would.
    const invocations = chunk(shuffle(deliveries), 10);
    for (const pair of chunk(invocations, 2)) {
      const responses = await Promise.all(pair.map((records) => invoke(pipeline, "worker", records)));
      for (const response of responses) expect(response.batchItemFailures).toEqual([]);
    }
    await finalize();

    // Assess
    const state = await batchState(pipeline.sql, batchId);
    expect(state).toMatchObject({ status: "completed", total: 1000, processed: 1000, successful: 1000, failed: 0 });
    expect(state.actual.completed).toBe(1000);
    expect(finalizations() - finalizedBefore).toBe(1);
  });

  it("does not count again when a half-done batch is fanned out again (the seed's resume bug)", async () => {
    // Prepare: the first half processed and counted, then the batch message comes back.
    const batchId = await seedBatch(pipeline.sql, { userId: "user-resume", uploads: 400 });
    const firstRun = await fanOut(batchId);
    for (const records of chunk(firstRun.slice(0, 200), 10)) await invoke(pipeline, "worker", records);
    await finalize();
    expect(await batchState(pipeline.sql, batchId)).toMatchObject({ status: "processing", processed: 200 });

    // Act
    const secondRun = await fanOut(batchId);
    for (const records of chunk([...firstRun, ...secondRun], 10)) await invoke(pipeline, "worker", records);
    await finalize();

    // Assess: nothing was sent again (the unfinished half is in flight, its messages still in the
    // queue), every message of the first run was processed, and nothing was counted twice.
    expect(secondRun).toHaveLength(0);
    const state = await batchState(pipeline.sql, batchId);
    expect(state).toMatchObject({ status: "completed", total: 400, processed: 400, successful: 400 });
  });

  it("finalizes a batch once even when every progress message is delivered twice to concurrent finalizers", async () => {
    const batchId = await seedBatch(pipeline.sql, { userId: "user-final", uploads: 50 });
    const uploads = await fanOut(batchId);
    for (const records of chunk(uploads, 10)) await invoke(pipeline, "worker", records);
    const progress = await pipeline.drain("progress");
    const finalizedBefore = finalizations();

    await Promise.all([invoke(pipeline, "finalizer", progress), invoke(pipeline, "finalizer", progress), invoke(pipeline, "finalizer", progress.slice(-1))]);

    expect(await batchState(pipeline.sql, batchId)).toMatchObject({ status: "completed", processed: 50 });
    expect(finalizations() - finalizedBefore).toBe(1);
  });
});
