import { randomUUID } from "node:crypto";
import { SendMessageCommand, type Message } from "@aws-sdk/client-sqs";
import { batchState, seedBatch } from "@pipeline/testkit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { invoke } from "../support/invoke.js";
import { startTestPipeline, type TestPipeline } from "../support/startTestPipeline.js";

type Queue = "uploads" | "batches" | "progress";

/** The progress schema's limit of changes in one message (packages/core/src/messages/schemas.ts). */
const MAX_CHANGES_PER_PROGRESS_MESSAGE = 1000;

/** SQS's largest message (1 MiB, the default since 2025; the engine enforces it too). */
const SQS_MAX_BYTES = 1024 * 1024;

/**
 * Bad queue messages the catalogue in docs/reliability.md lists and test/badInput.test.ts does not
 * already cover: each ends in its dead-letter queue with its reason, or is handled as it should.
 */
describe("bad queue messages", () => {
  let pipeline: TestPipeline;
  let batchId: string;
  let otherBatchId: string;
  let uploadIds: string[];

  beforeAll(async () => {
    pipeline = await startTestPipeline();
    batchId = await seedBatch(pipeline.sql, { userId: "user-bad-queue", uploads: 4 });
    otherBatchId = await seedBatch(pipeline.sql, { userId: "user-bad-queue", uploads: 1 });
    await pipeline.sql.query("UPDATE upload_batches SET status = 'processing' WHERE id = ANY($1::uuid[])", [[batchId, otherBatchId]]);
    const { rows } = await pipeline.sql.query<{ id: string }>("SELECT id FROM uploads WHERE batch_id = $1 ORDER BY id", [batchId]);
    uploadIds = rows.map((row) => row.id);
  });
  afterAll(() => pipeline?.close());
  beforeEach(async () => {
    for (const queue of ["uploads", "batches", "progress", "uploads-dlq", "batches-dlq", "progress-dlq"] as const) await pipeline.drain(queue);
  });

  async function deliver(queue: Queue, body: string): Promise<Message> {
    await pipeline.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queues[queue].url, MessageBody: body }));
    const [message] = await pipeline.drain(queue);
    if (!message) throw new Error("message not received");
    return message;
  }

  const handlerOf: Record<Queue, "worker" | "fanout" | "finalizer"> = { uploads: "worker", batches: "fanout", progress: "finalizer" };

  const parked: Array<[string, Queue, () => string, RegExp]> = [
    ["batches: a body that is not JSON", "batches", () => "{batchId:", /^body is not JSON/],
    ["batches: a batchId of the wrong type", "batches", () => JSON.stringify({ batchId: 42 }), /^invalid message: batchId: /],
    ["batches: a batchId that is not a UUID (SQL-looking)", "batches", () => JSON.stringify({ batchId: "' OR 1=1 --" }), /^invalid message: batchId: /],
    ["uploads: the JSON value null", "uploads", () => "null", /^invalid message: body: /],
    ["uploads: an uploadId of the wrong type", "uploads", () => JSON.stringify({ batchId, uploadId: 7 }), /^invalid message: uploadId: /],
    ["uploads: an upload of another batch", "uploads", () => JSON.stringify({ batchId: otherBatchId, uploadId: uploadIds[0] }), /^upload .* belongs to batch /],
    ["progress: a body that is not JSON", "progress", () => "<progress/>", /^body is not JSON/],
    ["progress: a status that is not an upload status", "progress", () => JSON.stringify({ batchId, changes: [{ uploadId: uploadIds[0], status: "exploded" }] }), /^invalid message: changes\.0\.status: /],
    [
      `progress: more than ${MAX_CHANGES_PER_PROGRESS_MESSAGE} changes`,
      "progress",
      () => JSON.stringify({ batchId, changes: Array.from({ length: MAX_CHANGES_PER_PROGRESS_MESSAGE + 1 }, () => ({ uploadId: randomUUID(), status: "completed" })) }),
      /^invalid message: changes: /,
    ],
  ];

  it.each(parked)("%s: parked in the dead-letter queue with its reason, acknowledged, nothing counted", async (_name, queue, body, reason) => {
    // Prepare
    const before = await batchState(pipeline.sql, batchId);
    const text = body();
    const message = await deliver(queue, text);

    // Act
    const response = await invoke(pipeline, handlerOf[queue], [message]);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const letters = await pipeline.drain(`${queue}-dlq`);
    expect(letters).toHaveLength(1);
    expect(letters[0]?.Body === text).toBe(true);
    expect(letters[0]?.MessageAttributes?.reason?.StringValue).toMatch(reason);
    expect(await batchState(pipeline.sql, batchId)).toEqual(before);
  });

  it.each([
    ["near 256 KB (the old SQS limit)", 1, 250 * 1024],
    ["over 256 KB", 2, 300 * 1024],
    ["near the 1 MiB limit", 3, SQS_MAX_BYTES - 1024],
  ])("uploads: a good message padded to %s is processed and counted once; the padding is ignored", async (_name, index, bytes) => {
    // Prepare: a pending upload of its own for each size.
    const uploadId = uploadIds[index] as string;
    const prefix = JSON.stringify({ batchId, uploadId, padding: "" }).length;
    const before = await batchState(pipeline.sql, batchId);
    const message = await deliver("uploads", JSON.stringify({ batchId, uploadId, padding: "x".repeat(bytes - prefix) }));
    expect(Buffer.byteLength(message.Body ?? "")).toBe(bytes);

    // Act: delivered twice.
    const responses = [await invoke(pipeline, "worker", [message]), await invoke(pipeline, "worker", [message])];

    // Assess
    expect(responses.map((response) => response.batchItemFailures)).toEqual([[], []]);
    expect(await pipeline.drain("uploads-dlq")).toHaveLength(0);
    const after = await batchState(pipeline.sql, batchId);
    expect(after.processed - before.processed).toBe(1);
    expect(after.successful - before.successful).toBe(1);
    const { rows } = await pipeline.sql.query<{ processing_status: string }>("SELECT processing_status FROM uploads WHERE id = $1", [uploadId]);
    expect(rows[0]?.processing_status).toBe("completed");
  });

  it("uploads: a message over 1 MiB is refused by the queue itself; nothing reaches the worker", async () => {
    const send = pipeline.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queues.uploads.url, MessageBody: "x".repeat(SQS_MAX_BYTES + 1) }));

    await expect(send).rejects.toThrow(/Message must be shorter than 1048576 bytes/);
    expect(await pipeline.drain("uploads")).toHaveLength(0);
  });

  it("uploads: a malformed body just under 1 MiB cannot be parked with its reason (body + attributes exceed the limit): the record fails, and the queue's redrive parks it after maxReceiveCount, without a reason", async () => {
    // Prepare
    const message = await deliver("uploads", "x".repeat(SQS_MAX_BYTES - 100));

    // Act
    const response = await invoke(pipeline, "worker", [message]);

    // Assess: today's behaviour, a known limitation (docs/reliability.md): dlq list shows it as
    // "moved by the queue after N receives".
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: message.MessageId }]);
    expect(await pipeline.drain("uploads-dlq")).toHaveLength(0);
  });
});
