import type { ProcessingContext, ProcessingResult, UploadProcessor, UploadToProcess } from "@pipeline/core";
import { PipelineClient, type PushMessage } from "@pipeline/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/startTestStack.js";
import { waitFor } from "../support/waitFor.js";

/** Finishes its stages slowly enough for the worker's stage reports (at most one a second) to go out. */
class SlowStagedProcessor implements UploadProcessor {
  async process(_upload: UploadToProcess, context: ProcessingContext): Promise<ProcessingResult> {
    context.reportStage("thumbnail");
    await new Promise((resolve) => setTimeout(resolve, 1300));
    context.reportStage("description");
    await new Promise((resolve) => setTimeout(resolve, 1300));
    return { description: "slow", thumbnailPath: null, metadata: {}, embedding: [1] };
  }
}

describe("per-file stages reach the owner's clients as upload.progress", () => {
  let testStack: TestStack;

  beforeAll(async () => {
    testStack = await startTestStack({ processor: new SlowStagedProcessor(), runtime: "in-process" });
  });
  afterAll(() => testStack?.close());

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
    // The thumbnail stage always shows; a later stage may be superseded by the outcome when both
    // reach the same finalizer run (a terminal state wins), which is what coalescing is for.
    expect(stages.map((change) => change.stage)).toContain("thumbnail");
    for (const change of stages) expect(["thumbnail", "description"]).toContain(change.stage);
    expect(new Set(stages.map((change) => change.uploadId)).size).toBe(6);
    for (const change of stages) expect(change.status).toBe("processing");
    // Coalesced: far fewer pushes than stage reports (6 uploads x 2 stages).
    expect(stagePushes.length).toBeLessThan(12);
    const versions = received.filter((message) => message.batchId === batch.batchId).map((message) => message.version ?? 0);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
  });
});
