import { SendMessageCommand, type Message } from "@aws-sdk/client-sqs";
import { batchState, seedBatch } from "@pipeline/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunk, invoke } from "./support/invoke.js";
import { startTestPipeline, type TestPipeline } from "./support/startTestPipeline.js";

const WINDOW = 50;

describe("fan-out and windowed release", () => {
  let pipeline: TestPipeline;

  beforeAll(async () => {
    pipeline = await startTestPipeline({
      wiring: (wiring) => {
        wiring.flowControl.defaultMaxInFlight = WINDOW;
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

  /** Runs the worker until no upload message is left (each commit releases the next uploads), then the finalizer. Returns the upload ids sent, per round. */
  async function processEverything(): Promise<string[][]> {
    const rounds: string[][] = [];
    for (let messages = await pipeline.drain("uploads"); messages.length > 0; messages = await pipeline.drain("uploads")) {
      rounds.push(messages.map((message) => JSON.parse(message.Body ?? "{}").uploadId as string));
      for (const records of chunk(messages, 10)) await invoke(pipeline, "worker", records);
    }
    for (const records of chunk(await pipeline.drain("progress"), 100)) await invoke(pipeline, "finalizer", records);
    return rounds;
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

  it("releases a large batch a window at a time, refilled by the worker as uploads finish: every upload sent once, never more than the window", async () => {
    const batchId = await seedBatch(pipeline.sql, { userId: "user-large", uploads: 1050 });

    await invoke(pipeline, "fanout", [await batchMessage({ batchId })]);
    const rounds = await processEverything();

    const sent = rounds.flat();
    expect(rounds[0]).toHaveLength(WINDOW);
    expect(Math.max(...rounds.map((round) => round.length))).toBeLessThanOrEqual(WINDOW);
    expect(sent).toHaveLength(1050);
    expect(new Set(sent).size).toBe(1050);
    expect(await batchState(pipeline.sql, batchId)).toMatchObject({ status: "completed", processed: 1050 });
    // The fan-out sent one window and no follow-up message: its work does not grow with the batch.
    expect(await pipeline.drain("batches")).toHaveLength(0);
  });

  it("tops up only when its message is redelivered: what is in flight or terminal is not sent again", async () => {
    const batchId = await seedBatch(pipeline.sql, { userId: "user-redelivered", uploads: 120 });
    const message = await batchMessage({ batchId });
    await invoke(pipeline, "fanout", [message]);
    const first = await pipeline.drain("uploads");

    await invoke(pipeline, "fanout", [message]);
    const whileFull = await pipeline.drain("uploads");
    await pipeline.sql.query("UPDATE upload_batches SET max_in_flight = $2 WHERE id = $1", [batchId, WINDOW + 10]);
    await invoke(pipeline, "fanout", [message]);
    const widened = await pipeline.drain("uploads");

    expect(first).toHaveLength(WINDOW);
    expect(whileFull).toHaveLength(0);
    expect(widened).toHaveLength(10);
    const ids = [...first, ...widened].map((upload) => JSON.parse(upload.Body ?? "{}").uploadId as string);
    expect(new Set(ids).size).toBe(WINDOW + 10);
  });
});
