import { readFile } from "node:fs/promises";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { ContainerLogLine, LocalStack } from "@pipeline/local";
import { batchState, seedBatch } from "@pipeline/testkit";
import { wiring } from "@pipeline/wiring";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { printWarnings, startTestStack, type TestStack } from "../support/startTestStack.js";
import { waitFor } from "../support/waitFor.js";

const UPLOADS = 240;

/** Killed invocations' records come back after the uploads queue's visibility timeout: short here. */
function killableWiring() {
  const copy = structuredClone(wiring);
  copy.queues.uploads.visibilityTimeoutSeconds = 4;
  copy.functions.worker.maxConcurrency = 4;
  return copy;
}

describe("kill -9 of a function's container mid-invocation", () => {
  let testStack: TestStack;
  let stack: LocalStack;
  const lines: ContainerLogLine[] = [];

  beforeAll(async () => {
    testStack = await startTestStack({
      wiring: killableWiring(),
      // Each upload takes 300 ms in the worker: invocations last long enough to be killed mid-way.
      tuning: { SIMULATED_PROCESSING_MS: "300" },
      containerLog: (line) => {
        lines.push(line);
        printWarnings(line);
      },
    });
    stack = testStack.stack;
  });
  afterAll(() => testStack?.close());

  it("loses no upload and counts none twice; the function carries on in fresh containers", async () => {
    // Prepare
    const containers = stack.containers;
    if (!containers) throw new Error("the stack runs its functions in-process");
    const batchId = await seedBatch(stack.pipeline.sql, { userId: "kill-user", uploads: UPLOADS });
    await stack.pipeline.sqs.send(new SendMessageCommand({ QueueUrl: stack.queues.batches.url, MessageBody: JSON.stringify({ batchId }) }));

    // Act: two busy worker containers are killed, one after the other, while the batch runs.
    const killed: Array<{ pid: number; commandLine: string }> = [];
    for (let kill = 0; kill < 2; kill++) {
      const busy = await waitFor(
        () => containers.list().find((container) => container.functionName === "worker" && container.busy && !killed.some((done) => done.pid === container.pid)),
        30_000,
        "a busy worker container",
      );
      const pid = busy.pid ?? 0;
      const commandLine = (await readFile(`/proc/${pid}/cmdline`, "utf8")).replaceAll("\0", " ");
      process.kill(pid, "SIGKILL");
      killed.push({ pid, commandLine });
      await new Promise((resolve) => setTimeout(resolve, 700));
    }
    const state = await waitFor(
      async () => {
        const current = await batchState(stack.pipeline.sql, batchId);
        return current.status === "completed" ? current : undefined;
      },
      60_000,
      "the batch's completion",
    );

    // Assess
    for (const { pid, commandLine } of killed) {
      expect(pid).not.toBe(process.pid);
      expect(commandLine).toMatch(/bootstrap\.mjs --container=worker#\d+/);
      expect(lines.some((line) => line.stream === "runtime" && line.line === "Runtime exited: signal SIGKILL")).toBe(true);
    }
    expect(containers.list().map((container) => container.pid)).not.toEqual(expect.arrayContaining(killed.map((done) => done.pid)));
    expect(state).toMatchObject({ status: "completed", total: UPLOADS, processed: UPLOADS, successful: UPLOADS, failed: 0 });
    expect(state.actual).toMatchObject({ all: UPLOADS, terminal: UPLOADS, completed: UPLOADS });
    const finalizations = () => lines.filter((line) => line.line.includes('"message":"batch finalized"') && line.line.includes(batchId));
    await waitFor(() => finalizations().length > 0 || undefined, 10_000, "the finalizer's log line");
    expect(finalizations()).toHaveLength(1);
  });
});
