import { generateImages, PipelineClient, type LocalStack, type PushMessage } from "@pipeline/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { startTestStack, type TestStack } from "../support/startTestStack.js";
import { waitFor } from "../support/waitFor.js";
import { SimulatedUploadProcessor } from "@pipeline/media";

const USERS = 5;
const CLIENTS_PER_USER = 10;
const BATCHES_PER_USER = 2;
const UPLOADS_PER_BATCH = 150;

describe("50 concurrent WebSocket clients of 5 users following 10 batches", () => {
  let testStack: TestStack;
  let stack: LocalStack;

  beforeAll(async () => {
    // The simulated processor: this test is about pushes, not media.
    testStack = await startTestStack({ processor: new SimulatedUploadProcessor(), runtime: "in-process" });
    stack = testStack.stack;
  });
  afterAll(() => testStack?.close());

  it("delivers each client only its own batches, in version order, ending with the final state", async () => {
    // Prepare: every user's clients connect before any batch is submitted.
    const users = await Promise.all(
      Array.from({ length: USERS }, (_, index) => PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, `user-${index}`)),
    );
    const clients: Array<{ user: number; received: PushMessage[]; socket: WebSocket }> = [];
    for (const [user, client] of users.entries()) {
      for (let n = 0; n < CLIENTS_PER_USER; n++) {
        const received: PushMessage[] = [];
        clients.push({ user, received, socket: await client.connect((message) => received.push(message)) });
      }
    }
    const files = await generateImages(UPLOADS_PER_BATCH);

    // Act
    const batchesByUser = await Promise.all(users.map(async (client) => Promise.all(Array.from({ length: BATCHES_PER_USER }, () => client.submit(files)))));
    const owner = new Map(batchesByUser.flatMap((batches, user) => batches.map((batch) => [batch.batchId, user] as const)));
    await waitFor(
      () => clients.every(({ user, received }) => batchesByUser[user]?.every((batch) => received.some((message) => message.type === "batch.completed" && message.batchId === batch.batchId))),
      120_000,
      "every client to see all its batches complete",
    );
    for (const { socket } of clients) socket.close();

    // Assess
    const perConnectionPerBatch: number[] = [];
    for (const { user, received } of clients) {
      const batchIds = new Set(received.map((message) => message.batchId));
      for (const batchId of batchIds) expect(owner.get(batchId ?? "")).toBe(user);
      for (const batch of batchesByUser[user] ?? []) {
        const messages = received.filter((message) => message.batchId === batch.batchId);
        const versions = messages.map((message) => message.version ?? 0);
        expect(versions).toEqual([...versions].sort((a, b) => a - b));
        expect(messages.at(-1)).toMatchObject({ type: "batch.completed", processed: UPLOADS_PER_BATCH, total: UPLOADS_PER_BATCH });
        perConnectionPerBatch.push(messages.length);
      }
    }
    const max = Math.max(...perConnectionPerBatch);
    const mean = perConnectionPerBatch.reduce((sum, count) => sum + count, 0) / perConnectionPerBatch.length;
    console.log(`messages per connection per batch of ${UPLOADS_PER_BATCH} uploads: mean ${mean.toFixed(1)}, max ${max}`);
    expect(max).toBeLessThan(UPLOADS_PER_BATCH / 5);
  });
});
