import { createPool, PostgresStageStore } from "@pipeline/adapters/postgres";
import type { ProcessingContext, ProcessingResult, StageStore, UploadProcessor, UploadToProcess } from "@pipeline/core";
import { PipelineClient, type PushMessage } from "@pipeline/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/startTestStack.js";
import { waitFor } from "../support/waitFor.js";

/**
 * Finishes its stages slowly enough for the worker's stage reports (at most one a second) to go
 * out, and the thumbnail's to be pushed well before the outcome: a finalizer run that finds the
 * batch final drops its stages, which are out of date by then. Like the media step, it stores a
 * stage's result before it reports the stage: the finalizer pushes the stage the row shows.
 */
class SlowStagedProcessor implements UploadProcessor {
  stages: StageStore | undefined;

  async process(upload: UploadToProcess, context: ProcessingContext): Promise<ProcessingResult> {
    await this.stages?.save(upload.id, "analyzing", { metadata: {} });
    context.reportStage("thumbnail");
    await new Promise((resolve) => setTimeout(resolve, 1300));
    await this.stages?.save(upload.id, "embedding", { description: "slow" });
    context.reportStage("description");
    await new Promise((resolve) => setTimeout(resolve, 2500));
    return { description: "slow", thumbnailPath: null, metadata: {}, embedding: [1] };
  }
}

describe("per-file stages and the final state reach the owner's clients", () => {
  let testStack: TestStack;
  let pool: ReturnType<typeof createPool> | undefined;

  beforeAll(async () => {
    const processor = new SlowStagedProcessor();
    testStack = await startTestStack({ processor, runtime: "in-process" });
    pool = createPool({ connectionString: testStack.stack.endpoints.databaseUrl, localWebSocketProxy: testStack.stack.endpoints.pgProxy, max: 4 });
    processor.stages = new PostgresStageStore(pool);
  });
  afterAll(async () => {
    await pool?.end();
    await testStack?.close();
  });

  it("pushes the stages, coalesced and versioned with the batch's progress, then the final state", async () => {
    const { stack } = testStack;
    const client = await PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, "stages");
    const received: PushMessage[] = [];
    const socket = await client.connect((message) => received.push(message));

    const batch = await client.submit(Array.from({ length: 6 }, (_, index) => ({ filename: `f${index}.jpg`, type: "image/jpeg", data: Buffer.from([index]) })));
    await waitFor(() => received.some((message) => message.type === "batch.completed" && message.batchId === batch.batchId), 30_000, "batch.completed");
    socket.close();

    const stagePushes = received.filter((message) => message.type === "upload.progress" && message.batchId === batch.batchId);
    const stages = stagePushes.flatMap((message) => message.uploads as Array<{ uploadId: string; stage: string; status: string }>);
    // Each stage pushed is the last one its row showed when the finalizer read it (a report of the
    // thumbnail read after the description was stored pushes the description); a terminal row wins.
    for (const change of stages) expect(["thumbnail", "description"]).toContain(change.stage);
    expect(new Set(stages.map((change) => change.uploadId)).size).toBe(6);
    // Each with the status its row had when pushed.
    for (const change of stages) expect(change.status).toBe(change.stage === "thumbnail" ? "analyzing" : "embedding");
    // Coalesced: far fewer pushes than stage reports (6 uploads x 2 stages).
    expect(stagePushes.length).toBeLessThan(12);
    const versions = received.filter((message) => message.batchId === batch.batchId).map((message) => message.version ?? 0);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
  });

  it("gives a client that connects after the batch completed its final state in the subscribe snapshot", async () => {
    const { stack } = testStack;
    const client = await PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, "late");
    const watched: PushMessage[] = [];
    const watcher = await client.connect((message) => watched.push(message));
    const batch = await client.submit(Array.from({ length: 2 }, (_, index) => ({ filename: `late${index}.jpg`, type: "image/jpeg", data: Buffer.from([index]) })));
    const completed = await waitFor(() => watched.find((message) => message.type === "batch.completed" && message.batchId === batch.batchId), 30_000, "batch.completed");
    watcher.close();

    const received: PushMessage[] = [];
    const late = await client.connect((message) => received.push(message));
    late.send(JSON.stringify({ action: "subscribe", batchId: batch.batchId }));
    const snapshot = await waitFor(() => received.find((message) => message.type === "batch.snapshot"), 5_000, "the snapshot");
    late.close();

    const counters = ["batchId", "version", "status", "total", "processed", "successful", "failed", "cancelled"] as const;
    const pick = (message: PushMessage) => Object.fromEntries(counters.map((key) => [key, message[key]]));
    expect(pick(snapshot)).toEqual(pick(completed));
    expect(snapshot).toMatchObject({ status: "completed", processed: 2, nextCursor: null });
    expect((snapshot.uploads as Array<{ status: string }>).map((upload) => upload.status)).toEqual(["completed", "completed"]);
  });
});
