import { randomUUID } from "node:crypto";
import { SendMessageCommand, type Message } from "@aws-sdk/client-sqs";
import { batchState, seedBatch } from "@pipeline/testkit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { invoke } from "./support/invoke.js";
import { startTestPipeline, type TestPipeline } from "./support/startTestPipeline.js";

describe("messages that can never succeed go to the dead-letter queue with their reason", () => {
  let pipeline: TestPipeline;
  let batchId: string;
  let uploadId: string;

  beforeAll(async () => {
    pipeline = await startTestPipeline();
    batchId = await seedBatch(pipeline.sql, { userId: "user-bad", uploads: 3 });
    await pipeline.sql.query("UPDATE upload_batches SET status = 'processing' WHERE id = $1", [batchId]);
    const { rows } = await pipeline.sql.query<{ id: string }>("SELECT id FROM uploads WHERE batch_id = $1 LIMIT 1", [batchId]);
    uploadId = rows[0]?.id ?? "";
  });
  afterAll(() => pipeline?.close());
  beforeEach(() => {
    pipeline.logger.lines.length = 0;
  });

  async function deliver(queue: "uploads" | "batches" | "progress", body: string): Promise<Message> {
    await pipeline.drain(queue);
    await pipeline.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queues[queue].url, MessageBody: body }));
    const [message] = await pipeline.drain(queue);
    if (!message) throw new Error("message not received");
    return message;
  }

  async function deadLetterReason(queue: "uploads" | "batches" | "progress"): Promise<{ body: string; reason: string; sourceQueue: string }> {
    const letters = await pipeline.drain(`${queue}-dlq`);
    expect(letters).toHaveLength(1);
    const letter = letters[0] as Message;
    return {
      body: letter.Body ?? "",
      reason: letter.MessageAttributes?.reason?.StringValue ?? "",
      sourceQueue: letter.MessageAttributes?.sourceQueue?.StringValue ?? "",
    };
  }

  const strangerId = randomUUID();
  const uploadCases: Array<[string, () => string, RegExp]> = [
    ["a body that is not JSON", () => "{not json", /^body is not JSON/],
    ["a body missing uploadId", () => JSON.stringify({ batchId }), /^invalid message: uploadId/],
    ["a batchId that is not a UUID", () => JSON.stringify({ batchId: "42; DROP TABLE uploads", uploadId }), /^invalid message: batchId: Invalid UUID/],
    ["an unknown upload", () => JSON.stringify({ batchId, uploadId: strangerId }), /^unknown upload /],
    ["an unknown batch", () => JSON.stringify({ batchId: strangerId, uploadId }), /^unknown batch /],
  ];

  it.each(uploadCases)("worker: %s", async (_name, body, reason) => {
    // Prepare
    const before = await batchState(pipeline.sql, batchId);
    const message = await deliver("uploads", body());

    // Act
    const response = await invoke(pipeline, "worker", [message]);

    // Assess: acknowledged (not retried), parked with its reason, logged, nothing else changed.
    expect(response.batchItemFailures).toEqual([]);
    const letter = await deadLetterReason("uploads");
    expect(letter.reason).toMatch(reason);
    expect(letter.body).toBe(body());
    expect(letter.sourceQueue).toBe("uploads");
    expect(pipeline.metrics.counts.get("DeadLetters")).toBeGreaterThan(0);
    expect(pipeline.logger.lines.filter((line) => line.level === "error").map((line) => line.message).join("\n")).toMatch(reason.source.replace("^", ""));
    expect(await batchState(pipeline.sql, batchId)).toEqual(before);
    expect(await pipeline.drain("progress")).toHaveLength(0);
  });

  it("worker: an extra unknown field is ignored", async () => {
    const message = await deliver("uploads", JSON.stringify({ batchId, uploadId, priority: "high" }));

    const response = await invoke(pipeline, "worker", [message]);

    expect(response.batchItemFailures).toEqual([]);
    expect(await pipeline.drain("uploads-dlq")).toHaveLength(0);
    const { rows } = await pipeline.sql.query<{ processing_status: string }>("SELECT processing_status FROM uploads WHERE id = $1", [uploadId]);
    expect(rows[0]?.processing_status).toBe("completed");
  });

  it("worker: one bad record does not hold up the good ones in the same invocation", async () => {
    const { rows } = await pipeline.sql.query<{ id: string }>(
      "SELECT id FROM uploads WHERE batch_id = $1 AND processing_status = 'pending' LIMIT 1",
      [batchId],
    );
    const good = await deliver("uploads", JSON.stringify({ batchId, uploadId: rows[0]?.id }));
    const bad = await deliver("uploads", "[]");

    const response = await invoke(pipeline, "worker", [good, bad]);

    expect(response.batchItemFailures).toEqual([]);
    expect((await deadLetterReason("uploads")).reason).toMatch(/^invalid message/);
    expect((await batchState(pipeline.sql, batchId)).processed).toBeGreaterThanOrEqual(2);
  });

  it("fan-out: an unknown batch", async () => {
    const unknown = randomUUID();
    const message = await deliver("batches", JSON.stringify({ batchId: unknown }));

    const response = await invoke(pipeline, "fanout", [message]);

    expect(response.batchItemFailures).toEqual([]);
    expect((await deadLetterReason("batches")).reason).toBe(`unknown batch ${unknown}`);
    expect(await pipeline.drain("uploads")).toHaveLength(0);
  });

  it("fan-out: a malformed body", async () => {
    const message = await deliver("batches", JSON.stringify({ id: 1 }));

    await invoke(pipeline, "fanout", [message]);

    expect((await deadLetterReason("batches")).reason).toMatch(/^invalid message: batchId/);
  });

  it("finalizer: a malformed body and an unknown batch", async () => {
    const malformed = await deliver("progress", JSON.stringify({ batchId, changes: "all" }));
    const unknown = await deliver("progress", JSON.stringify({ batchId: randomUUID(), changes: [] }));

    const response = await invoke(pipeline, "finalizer", [malformed, unknown]);

    expect(response.batchItemFailures).toEqual([]);
    const letters = await pipeline.drain("progress-dlq");
    expect(letters.map((letter) => letter.MessageAttributes?.reason?.StringValue).sort()).toEqual([
      expect.stringMatching(/^invalid message: changes/),
      expect.stringMatching(/^unknown batch /),
    ]);
  });
});
