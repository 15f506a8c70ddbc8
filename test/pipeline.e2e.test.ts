import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { PipelineClient, type LocalStack, type PushMessage } from "@pipeline/local";
import { batchState, seedBatch } from "@pipeline/testkit";
import type WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmfMetrics } from "./support/EmfMetrics.js";
import { printWarnings, startTestStack, type TestStack } from "./support/startTestStack.js";
import { waitFor } from "./support/waitFor.js";

describe("a batch through fan-out, worker and finalizer: the deployed bundles in containers, on real engines", () => {
  let testStack: TestStack;
  let stack: LocalStack;
  const metrics = new EmfMetrics();

  beforeAll(async () => {
    testStack = await startTestStack({
      // The simulated processing step (as an operator sets it for a load test): no files to read.
      tuning: { SIMULATED_PROCESSING_MS: "0" },
      containerLog: (line) => {
        metrics.read(line);
        printWarnings(line);
      },
    });
    stack = testStack.stack;
  });
  afterAll(() => testStack?.close());

  it("processes 1,000 uploads, counts each once, finalizes once and pushes the final state", async () => {
    // Prepare: the owner's browser is connected through the gateway.
    const userId = "user-e2e";
    const batchId = await seedBatch(stack.pipeline.sql, { userId, uploads: 1000 });
    const client = await PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, userId);
    const pushes: PushMessage[] = [];
    const socket: WebSocket = await client.connect((message) => pushes.push(message));

    // Act
    await stack.pipeline.sqs.send(new SendMessageCommand({ QueueUrl: stack.queues.batches.url, MessageBody: JSON.stringify({ batchId }) }));

    // Assess
    const final = await waitFor(async () => {
      const state = await batchState(stack.pipeline.sql, batchId);
      return state.status === "completed" ? state : undefined;
    }, 90_000, "batch completion");
    expect(final).toMatchObject({ total: 1000, processed: 1000, successful: 1000, failed: 0 });
    expect(final.actual).toMatchObject({ terminal: 1000, completed: 1000 });

    await waitFor(() => pushes.some((push) => push.type === "batch.completed"), 10_000, "the final push");
    const completed = pushes.filter((push) => push.type === "batch.completed");
    expect(completed.at(-1)).toMatchObject({ batchId, processed: 1000, status: "completed" });
    // Coalesced: far fewer pushes than uploads, in version order.
    expect(pushes.length).toBeLessThan(1000 / 5);
    const versions = pushes.map((push) => push.version ?? 0);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    // What operators graph, read from the containers' logs as CloudWatch reads it: every upload
    // counted once, one finalization, its latency, the pushes.
    await waitFor(() => metrics.counts.get("PushesSent") === pushes.length, 10_000, "PushesSent to equal the pushes received");
    expect(metrics.counts.get("UploadsCompleted")).toBe(1000);
    expect(metrics.counts.get("UploadsFailed") ?? 0).toBe(0);
    expect(metrics.counts.get("BatchesFinalized")).toBe(1);
    expect(metrics.durations.get("FinalizationLatency")).toHaveLength(1);
    expect(metrics.publishes).toBeGreaterThan(0);
    // The worker ran in containers of its own: the runtime's INIT_REPORT lines name them.
    expect(stack.containers?.coldStarts().some((start) => start.functionName === "worker")).toBe(true);
    socket.close();
  });
});
