import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { batchState, seedBatch } from "@pipeline/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPipeline, type TestPipeline } from "./support/startTestPipeline.js";
import { waitFor } from "./support/waitFor.js";

describe("a batch through fan-out, worker and finalizer on real engines", () => {
  let pipeline: TestPipeline;

  beforeAll(async () => {
    pipeline = await startTestPipeline();
    pipeline.startRunners();
  });
  afterAll(() => pipeline?.close());

  it("processes 1,000 uploads, counts each once, finalizes once and pushes the final state", async () => {
    // Prepare
    const userId = "user-e2e";
    const batchId = await seedBatch(pipeline.sql, { userId, uploads: 1000 });
    await pipeline.sql.query("INSERT INTO connections (connection_id, user_id) VALUES ($1, $2)", ["conn-e2e", userId]);
    pipeline.connections.open("conn-e2e");

    // Act
    await pipeline.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queues.batches.url, MessageBody: JSON.stringify({ batchId }) }));

    // Assess
    const final = await waitFor(async () => {
      const state = await batchState(pipeline.sql, batchId);
      return state.status === "completed" ? state : undefined;
    }, 90_000, "batch completion");
    expect(final).toMatchObject({ total: 1000, processed: 1000, successful: 1000, failed: 0 });
    expect(final.actual).toMatchObject({ terminal: 1000, completed: 1000 });

    const pushes = await waitFor(() => {
      const received = pipeline.connections.messages<{ type: string; batchId: string; version: number; processed: number }>("conn-e2e");
      return received.some((push) => push.type === "batch.completed") ? received : undefined;
    }, 10_000, "the final push");
    // Counted between the finalizing commit and the push, so the push received means the count is in.
    expect(pipeline.metrics.counts.get("BatchesFinalized")).toBe(1);
    const completed = pushes.filter((push) => push.type === "batch.completed");
    expect(completed.at(-1)).toMatchObject({ batchId, processed: 1000, status: "completed" });
    // Coalesced: far fewer pushes than uploads, in version order.
    expect(pushes.length).toBeLessThan(1000 / 5);
    const versions = pushes.map((push) => push.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    // What operators graph: every upload counted once, one finalization, its latency, the pushes.
    expect(pipeline.metrics.counts.get("UploadsCompleted")).toBe(1000);
    expect(pipeline.metrics.counts.get("UploadsFailed") ?? 0).toBe(0);
    expect(pipeline.metrics.counts.get("BatchesFinalized")).toBe(1);
    expect(pipeline.metrics.durations.get("FinalizationLatency")).toHaveLength(1);
    // Counted once the finalizer's invocation has released its batches' locks, after the client got the push.
    await waitFor(() => pipeline.metrics.counts.get("PushesSent") === pipeline.connections.messages("conn-e2e").length, 10_000, "PushesSent to equal the pushes received");
    expect(pipeline.metrics.publishes).toBeGreaterThan(0);
  });
});
