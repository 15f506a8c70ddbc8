import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PipelineClient } from "@pipeline/local/client/PipelineClient";
import { generateImages } from "@pipeline/local/demo/generateImages";
import { startLocalStack, type LocalStack } from "@pipeline/local/stack/startLocalStack";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "@pipeline/local/stack/freePort";
import { batchState } from "../support/seedBatch.js";
import { waitFor } from "../support/waitFor.js";

describe("restart safety", () => {
  let dir: string | undefined;
  let stack: LocalStack | undefined;

  afterAll(async () => {
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("finishes a batch with exact counts after the stack is stopped mid-batch and started again on the same data", async () => {
    // Prepare: embedded Postgres with its data in the stack's own folder, as `npm start` runs it.
    dir = await mkdtemp(join(tmpdir(), "pipeline-restart-"));
    const ports = { http: 0, gateway: 0, sqs: 0, postgres: await freePort(), pgProxy: 0 };
    stack = await startLocalStack({ dir, ports, uploadProcessor: "simulated", processorLatencyMillis: 40 });
    const client = await PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, "restart-user");
    const batch = await client.submit(await generateImages(400));
    await waitFor(async () => {
      const state = await batchState(stack!.pipeline.sql, batch.batchId);
      return state.processed >= 50 ? state : undefined;
    }, 60_000, "the batch to be under way");

    // Act: stop mid-batch (the in-memory queues are lost with it), then start again.
    await stack.stop(0);
    stack = undefined;
    stack = await startLocalStack({ dir, ports, uploadProcessor: "simulated" });

    // Assess
    const final = await waitFor(async () => {
      const state = await batchState(stack!.pipeline.sql, batch.batchId);
      return state.status === "completed" ? state : undefined;
    }, 90_000, "the batch to complete after the restart");
    expect(final).toMatchObject({ total: 400, processed: 400, successful: 400, failed: 0 });
    expect(final.actual).toMatchObject({ all: 400, completed: 400 });
  });
});
