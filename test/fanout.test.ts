import { SendMessageCommand, type Message } from "@aws-sdk/client-sqs";
import { batchState, seedBatch } from "@pipeline/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunk, invoke } from "./support/invoke.js";
import { startTestPipeline, type TestPipeline } from "./support/startTestPipeline.js";

describe("fan-out", () => {
  let pipeline: TestPipeline;

  beforeAll(async () => {
    pipeline = await startTestPipeline({
      wiring: (wiring) => {
        wiring.fanOut.pageSize = 100;
      },
    });
  });
  afterAll(() => pipeline?.close());

  async function batchMessage(body: object): Promise<Message> {
    await pipeline.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queues.batches.url, MessageBody: JSON.stringify(body) }));
    const [message] = await pipeline.drain("batches");
    if (!message) throw new Error("no batch message");
    return message;
  }

  async function processEverything(): Promise<void> {
    for (const records of chunk(await pipeline.drain("uploads"), 10)) await invoke(pipeline, "worker", records);
    for (const records of chunk(await pipeline.drain("progress"), 100)) await invoke(pipeline, "finalizer", records);
  }

  it.each([
    ["too high", 250, 300],
    ["too low", 250, 10],
  ])("corrects a declared total that is %s, logs it, and completes the batch", async (_case, uploads, declaredTotal) => {
    const batchId = await seedBatch(pipeline.sql, { userId: "user-total", uploads, declaredTotal });

    await invoke(pipeline, "fanout", [await batchMessage({ batchId })]);
    await processEverything();

    expect(await batchState(pipeline.sql, batchId)).toMatchObject({ status: "completed", total: uploads, processed: uploads });
    const warning = pipeline.logger.matching("declared total_uploads was wrong").find((line) => line.attributes.batchId === batchId);
    expect(warning?.attributes).toMatchObject({ declaredTotal, actualTotal: uploads });
  });

  it("completes an empty batch at once", async () => {
    const batchId = await seedBatch(pipeline.sql, { userId: "user-empty", uploads: 0 });

    await invoke(pipeline, "fanout", [await batchMessage({ batchId })]);
    expect(await pipeline.drain("uploads").then((messages) => messages.length)).toBe(0);
    await processEverything();

    expect(await batchState(pipeline.sql, batchId)).toMatchObject({ status: "completed", total: 0, processed: 0 });
  });

  it("skips a batch that is already completed or cancelled", async () => {
    const batchId = await seedBatch(pipeline.sql, { userId: "user-cancel", uploads: 5 });
    await pipeline.sql.query("UPDATE upload_batches SET status = 'cancelled' WHERE id = $1", [batchId]);

    const response = await invoke(pipeline, "fanout", [await batchMessage({ batchId })]);

    expect(response.batchItemFailures).toEqual([]);
    expect(await pipeline.drain("uploads")).toHaveLength(0);
    expect((await batchState(pipeline.sql, batchId)).status).toBe("cancelled");
  });

  it("hands a large batch over to a follow-up message when time runs low, and sends every upload once", async () => {
    // Prepare: 1,050 uploads, pages of 100, and an invocation that starts with just under the reserve.
    const batchId = await seedBatch(pipeline.sql, { userId: "user-large", uploads: 1050 });
    const reserve = pipeline.wiring.fanOut.reserveMillis;

    // Act: each invocation gets one page before its time runs low, then continues in a follow-up.
    let message: Message | undefined = await batchMessage({ batchId });
    let invocations = 0;
    const sent: string[] = [];
    const followUps: { batchId?: string; cursor?: string }[] = [];
    while (message) {
      invocations++;
      await invoke(pipeline, "fanout", [message], { timeoutMillis: reserve - 1 });
      sent.push(...(await pipeline.drain("uploads")).map((upload) => JSON.parse(upload.Body ?? "{}").uploadId as string));
      [message] = await pipeline.drain("batches");
      if (message) followUps.push(JSON.parse(message.Body ?? "{}"));
    }

    // Assess
    expect(invocations).toBe(11);
    expect(sent).toHaveLength(1050);
    expect(new Set(sent).size).toBe(1050);
    expect(followUps).toHaveLength(10);
    for (const followUp of followUps) expect(followUp).toEqual({ batchId, cursor: expect.any(String) });
    expect(new Set(followUps.map((followUp) => followUp.cursor)).size).toBe(10);
  });

  it("does not re-send uploads that are already terminal when its message is redelivered", async () => {
    const batchId = await seedBatch(pipeline.sql, { userId: "user-redelivered", uploads: 30 });
    const message = await batchMessage({ batchId });
    await invoke(pipeline, "fanout", [message]);
    const first = await pipeline.drain("uploads");
    await invoke(pipeline, "worker", first.slice(0, 10));

    await invoke(pipeline, "fanout", [message]);

    expect(await pipeline.drain("uploads")).toHaveLength(20);
  });
});
