import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { batchState, seedBatch } from "@pipeline/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptedProcessor } from "./support/ScriptedProcessor.js";
import { startTestPipeline, type TestPipeline } from "./support/startTestPipeline.js";
import { waitFor } from "./support/waitFor.js";

describe("retries with backoff and the last attempt", () => {
  let pipeline: TestPipeline;
  // Uploads named flaky-* fail twice then succeed; broken-* always fail with a retryable error;
  // unsupported-* fail permanently at once.
  const processor = new ScriptedProcessor((upload, attempt) => {
    if (upload.filename.startsWith("flaky")) return attempt <= 2 ? "retryable" : "ok";
    if (upload.filename.startsWith("broken")) return "retryable";
    if (upload.filename.startsWith("unsupported")) return "permanent";
    return "ok";
  });

  beforeAll(async () => {
    pipeline = await startTestPipeline({
      processor,
      wiring: (wiring) => {
        wiring.uploadRetryBackoff = { baseSeconds: 1, maxSeconds: 2 };
      },
    });
    pipeline.startRunners();
  });
  afterAll(() => pipeline?.close());

  async function runBatch(prefix: string, uploads: number): Promise<string> {
    const batchId = await seedBatch(pipeline.sql, { userId: `user-${prefix}`, uploads });
    await pipeline.sql.query("UPDATE uploads SET filename = $2 || '-' || filename WHERE batch_id = $1", [batchId, prefix]);
    await pipeline.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queues.batches.url, MessageBody: JSON.stringify({ batchId }) }));
    await waitFor(async () => (await batchState(pipeline.sql, batchId)).status === "completed", 60_000, `batch ${prefix} to complete`);
    return batchId;
  }

  it("counts an upload that fails twice then succeeds once, as successful", async () => {
    const batchId = await runBatch("flaky", 5);

    const state = await batchState(pipeline.sql, batchId);
    expect(state).toMatchObject({ processed: 5, successful: 5, failed: 0 });
    const { rows } = await pipeline.sql.query<{ attempts: number }>("SELECT attempts FROM uploads WHERE batch_id = $1", [batchId]);
    expect(rows.map((row) => row.attempts)).toEqual([3, 3, 3, 3, 3]);
  });

  it("marks an upload that always fails as failed on its last attempt and completes the batch with failures", async () => {
    const batchId = await runBatch("broken", 3);

    const state = await batchState(pipeline.sql, batchId);
    expect(state).toMatchObject({ status: "completed", processed: 3, successful: 0, failed: 3 });
    const { rows } = await pipeline.sql.query<{ attempts: number; error_message: string }>(
      "SELECT attempts, error_message FROM uploads WHERE batch_id = $1",
      [batchId],
    );
    const maxReceiveCount = pipeline.wiring.queues.uploads.maxReceiveCount;
    for (const row of rows) {
      expect(row.attempts).toBe(maxReceiveCount);
      expect(row.error_message).toMatch(new RegExp(`failed after ${maxReceiveCount} attempts: model backend unavailable`));
    }
    // Given up by the worker, not moved by the engine: the dead-letter queue stays empty.
    expect(await pipeline.drain("uploads-dlq")).toHaveLength(0);
  });

  it("fails an upload permanently at once, without retrying it", async () => {
    const batchId = await runBatch("unsupported", 2);

    expect(await batchState(pipeline.sql, batchId)).toMatchObject({ status: "completed", failed: 2, successful: 0 });
    const { rows } = await pipeline.sql.query<{ id: string; error_message: string }>("SELECT id, error_message FROM uploads WHERE batch_id = $1", [batchId]);
    for (const row of rows) {
      expect(processor.calls.get(row.id)).toBe(1);
      expect(row.error_message).toMatch(/^unsupported file/);
    }
  });
});
