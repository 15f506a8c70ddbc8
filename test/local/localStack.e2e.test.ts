import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { generateImages, PipelineClient, type LocalStack, type PushMessage } from "@pipeline/local";
import { batchState } from "@pipeline/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/startTestStack.js";
import { waitFor } from "../support/waitFor.js";

describe("the local stack, booted in-process on free ports", () => {
  let testStack: TestStack;
  let stack: LocalStack;

  beforeAll(async () => {
    testStack = await startTestStack();
    stack = testStack.stack;
  });
  afterAll(() => testStack?.close());

  it("writes stack.json with every endpoint a client needs", async () => {
    const file = JSON.parse(await readFile(join(testStack.dir, "stack.json"), "utf8"));

    expect(Object.keys(file)).toEqual(expect.arrayContaining(["httpUrl", "wsUrl", "managementEndpoint", "sqsEndpoint", "s3Endpoint", "bucket", "databaseUrl", "queues", "authSecret", "credentials"]));
    expect(Object.keys(file.queues).sort()).toEqual(["batches", "progress", "uploads"]);
    expect(file.queues.uploads.dlqUrl).toMatch(/uploads-dlq$/);
  });

  it("takes 300 uploads over HTTP and reports their progress over a real WebSocket until the batch completes", async () => {
    // Prepare
    const client = await PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, "e2e-user");
    const received: PushMessage[] = [];
    const socket = await client.connect((message) => received.push(message));
    const files = await generateImages(300);

    // Act
    const batch = await client.submit(files);
    const completed = await waitFor(() => received.find((message) => message.type === "batch.completed" && message.batchId === batch.batchId), 90_000, "batch.completed");
    socket.close();

    // Assess
    expect(batch.total).toBe(300);
    expect(completed).toMatchObject({ status: "completed", total: 300, processed: 300, successful: 300, failed: 0 });
    const state = await batchState(stack.pipeline.sql, batch.batchId);
    expect(state).toMatchObject({ status: "completed", total: 300, processed: 300, successful: 300 });
    expect(state.actual).toMatchObject({ all: 300, terminal: 300, completed: 300 });
    const versions = received.filter((message) => message.batchId === batch.batchId).map((message) => message.version ?? 0);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(versions.length).toBeLessThan(100);
    const page = await client.batch(batch.batchId);
    expect(page.batch).toMatchObject({ status: "completed", processed: 300 });
  });
});
