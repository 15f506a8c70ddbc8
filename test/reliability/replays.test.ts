import { SendMessageCommand, type Message } from "@aws-sdk/client-sqs";
import { batchState, seedBatch, type BatchState } from "@pipeline/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunk, invoke } from "../support/invoke.js";
import { startTestPipeline, type TestPipeline } from "../support/startTestPipeline.js";

const UPLOADS = 30;
const USER = "user-replay";
const CONNECTION = "conn-replay";

interface Push {
  type: string;
  batchId: string;
  version: number;
  status: string;
  processed: number;
  successful: number;
}

/**
 * Messages replayed after their batch completed (an operator's redrive, a producer's retry, SQS's
 * at-least-once delivery long after the fact): nothing is counted again, the batch is not
 * finalized again, and its final state, pushed once, is neither pushed again nor given a newer
 * version (a redelivered progress message is the exception: test/finalizer.test.ts).
 */
describe("replayed messages after a batch completed", () => {
  let pipeline: TestPipeline;
  let batchId: string;
  let final: BatchState;
  const kept: { batch?: string; upload?: string; progress?: string } = {};

  async function send(queue: "batches" | "uploads" | "progress", body: string): Promise<Message[]> {
    await pipeline.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queues[queue].url, MessageBody: body }));
    return pipeline.drain(queue);
  }

  async function finalizeAll(): Promise<void> {
    for (const records of chunk(await pipeline.drain("progress"), 100)) expect((await invoke(pipeline, "finalizer", records)).batchItemFailures).toEqual([]);
  }

  const pushes = () => pipeline.connections.messages<Push>(CONNECTION).filter((push) => push.batchId === batchId);
  const version = async () =>
    Number((await pipeline.sql.query<{ progress_version: string }>("SELECT progress_version FROM upload_batches WHERE id = $1", [batchId])).rows[0]?.progress_version);
  /** The file's one batch is the only one the finalizer can finish. */
  const finalizations = () => pipeline.metrics.counts.get("BatchesFinalized") ?? 0;

  beforeAll(async () => {
    // Prepare: a batch processed to completion, keeping one message of each kind.
    pipeline = await startTestPipeline();
    batchId = await seedBatch(pipeline.sql, { userId: USER, uploads: UPLOADS });
    await pipeline.sql.query("INSERT INTO connections (connection_id, user_id, token_expires_at) VALUES ($1, $2, now() + interval '1 hour')", [CONNECTION, USER]);
    pipeline.connections.open(CONNECTION);
    kept.batch = JSON.stringify({ batchId });
    expect((await invoke(pipeline, "fanout", await send("batches", kept.batch))).batchItemFailures).toEqual([]);
    const uploads = await pipeline.drain("uploads");
    kept.upload = uploads[0]?.Body;
    for (const records of chunk(uploads, 10)) expect((await invoke(pipeline, "worker", records)).batchItemFailures).toEqual([]);
    const progress = await pipeline.drain("progress");
    kept.progress = progress.find((message) => (JSON.parse(message.Body ?? "{}") as { changes: unknown[] }).changes.length > 0)?.Body;
    for (const records of chunk(progress, 100)) await invoke(pipeline, "finalizer", records);
    final = await batchState(pipeline.sql, batchId);
    expect(final).toMatchObject({ status: "completed", processed: UPLOADS, successful: UPLOADS });
    expect(finalizations()).toBe(1);
  });
  afterAll(() => pipeline?.close());

  it("an upload message: reported again as terminal, counted nothing, pushed nothing again", async () => {
    const [pushesBefore, versionBefore] = [pushes().length, await version()];

    const response = await invoke(pipeline, "worker", await send("uploads", kept.upload ?? ""));
    await finalizeAll();

    expect(response.batchItemFailures).toEqual([]);
    expect(await batchState(pipeline.sql, batchId)).toEqual(final);
    expect(finalizations()).toBe(1);
    expect(pushes()).toHaveLength(pushesBefore);
    expect(pushes().filter((push) => push.type === "batch.completed")).toEqual([
      expect.objectContaining({ status: "completed", processed: UPLOADS, successful: UPLOADS, version: versionBefore }),
    ]);
    expect(await version()).toBe(versionBefore);
  });

  it("the batch message: the fan-out skips the finished batch and sends nothing", async () => {
    const response = await invoke(pipeline, "fanout", await send("batches", kept.batch ?? ""));

    expect(response.batchItemFailures).toEqual([]);
    expect(await pipeline.drain("uploads")).toHaveLength(0);
    expect(await batchState(pipeline.sql, batchId)).toEqual(final);
  });

  it("a fan-out follow-up message from before windows (with a cursor, now ignored): skipped, nothing sent", async () => {
    const response = await invoke(pipeline, "fanout", await send("batches", JSON.stringify({ batchId, cursor: "00000000-0000-4000-8000-000000000000" })));

    expect(response.batchItemFailures).toEqual([]);
    expect(await pipeline.drain("uploads")).toHaveLength(0);
    expect(await batchState(pipeline.sql, batchId)).toEqual(final);
  });

  it("a progress message sent again: no second finalization, no second push, the same version", async () => {
    const [pushesBefore, versionBefore] = [pushes().length, await version()];

    const response = await invoke(pipeline, "finalizer", await send("progress", kept.progress ?? ""));

    expect(response.batchItemFailures).toEqual([]);
    expect(finalizations()).toBe(1);
    expect(await batchState(pipeline.sql, batchId)).toEqual(final);
    expect(pushes()).toHaveLength(pushesBefore);
    expect(await version()).toBe(versionBefore);
    const versions = pushes().map((push) => push.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
  });
});
