import { GetQueueAttributesCommand, SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { createLocalCredentials, createQueues, InProcessInvoker, localSqsClient, QueueFunctionRunner, type InvocationReport, type SqsHandler, type StackQueues } from "@pipeline/local";
import { wiring, type Wiring } from "@pipeline/wiring";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { startFauxqs, type FauxqsServer } from "fauxqs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/waitFor.js";

describe("the local Lambda runner honours the event source mapping's semantics", () => {
  let engine: FauxqsServer;
  let sqs: SQSClient;
  let runner: QueueFunctionRunner | undefined;
  let queueCount = 0;

  beforeAll(async () => {
    engine = await startFauxqs({ port: 0, logger: false });
    sqs = localSqsClient(`http://127.0.0.1:${engine.port}`, createLocalCredentials());
  });
  afterEach(async () => {
    await runner?.stop(1000);
    runner = undefined;
  });
  afterAll(async () => {
    sqs?.destroy();
    await engine?.stop();
  });

  /** Fresh queues with a short visibility timeout and the given receive limit. */
  async function queues(maxReceiveCount: number, visibilityTimeoutSeconds = 1): Promise<StackQueues> {
    const custom: Wiring = structuredClone(wiring);
    custom.queues.uploads = { ...custom.queues.uploads, maxReceiveCount, visibilityTimeoutSeconds };
    return createQueues(sqs, custom, `runner${++queueCount}-`);
  }

  async function send(queueUrl: string, bodies: string[]): Promise<void> {
    for (let start = 0; start < bodies.length; start += 10) {
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: bodies.slice(start, start + 10).map((body, index) => ({ Id: String(index), MessageBody: body })) }));
    }
  }

  async function visible(queueUrl: string): Promise<number> {
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }));
    return Number(Attributes?.ApproximateNumberOfMessages);
  }

  /** A gate the test opens: handlers awaiting it stay in flight until then. */
  function gate(): { opened: Promise<void>; open(): void } {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { opened, open };
  }

  async function count(queueUrl: string): Promise<number> {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
  }

  function start(queue: StackQueues["uploads"], handler: SqsHandler, settings: Partial<typeof wiring.functions.worker> = {}, reports: InvocationReport[] = []) {
    runner = new QueueFunctionRunner({
      name: "test-function",
      sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      invoker: new InProcessInvoker("test-function", handler, { timeoutSeconds: settings.timeoutSeconds ?? 5, memoryMb: 128, region: "us-east-1" }),
      settings: { ...wiring.functions.worker, maxConcurrency: 2, ...settings },
      idleWaitSeconds: 0,
      onInvocation: (report) => reports.push(report),
    });
    runner.start();
    return reports;
  }

  it("deletes the records that succeeded and redelivers only those reported in batchItemFailures", async () => {
    // Prepare: "fail-once" bodies fail on their first delivery only.
    const { uploads } = await queues(5);
    await send(uploads.url, ["ok-1", "fail-once-1", "ok-2", "fail-once-2", "ok-3"]);
    const deliveries = new Map<string, number[]>();
    const handler: SqsHandler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      const failures = [];
      for (const record of event.Records) {
        deliveries.set(record.body, [...(deliveries.get(record.body) ?? []), Number(record.attributes.ApproximateReceiveCount)]);
        if (record.body.startsWith("fail-once") && record.attributes.ApproximateReceiveCount === "1") failures.push({ itemIdentifier: record.messageId });
      }
      return { batchItemFailures: failures };
    };

    // Act
    start(uploads, handler);
    await waitFor(async () => (await count(uploads.url)) === 0 && deliveries.size === 5, 15_000, "the queue to drain");

    // Assess
    expect(deliveries.get("ok-1")).toEqual([1]);
    expect(deliveries.get("ok-3")).toEqual([1]);
    expect(deliveries.get("fail-once-1")).toEqual([1, 2]);
    expect(deliveries.get("fail-once-2")).toEqual([1, 2]);
  });

  it("leaves every record of a timed-out invocation to come back after the visibility timeout", async () => {
    const { uploads } = await queues(5, 1);
    await send(uploads.url, ["slow"]);
    const seen: Array<{ receiveCount: number; remaining: number; at: number }> = [];
    const handler: SqsHandler = async (event, context) => {
      const first = event.Records[0];
      seen.push({ receiveCount: Number(first?.attributes.ApproximateReceiveCount), remaining: context.getRemainingTimeInMillis(), at: Date.now() });
      if (seen.length === 1) await new Promise((resolve) => setTimeout(resolve, 3000));
      return { batchItemFailures: [] };
    };

    const reports = start(uploads, handler, { timeoutSeconds: 1, maxConcurrency: 2 });
    await waitFor(async () => (await count(uploads.url)) === 0, 15_000, "the retried record to be deleted");

    expect(reports.map((report) => report.outcome)).toContain("timed-out");
    expect(seen.map((entry) => entry.receiveCount)).toEqual([1, 2]);
    expect(seen[0]?.remaining).toBeLessThanOrEqual(1000);
    expect((seen[1]?.at ?? 0) - (seen[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it("lets the queue move a record to the dead-letter queue after the max receive count", async () => {
    const { uploads } = await queues(2, 1);
    await send(uploads.url, ["poison"]);
    let calls = 0;
    const handler: SqsHandler = async () => {
      calls++;
      throw new Error("always fails");
    };

    const reports = start(uploads, handler);
    await waitFor(async () => (await count(uploads.dlqUrl)) === 1, 15_000, "the record to reach the DLQ");

    expect(calls).toBe(2);
    expect(reports.filter((report) => report.outcome === "failed")).toHaveLength(2);
    expect(await count(uploads.url)).toBe(0);
  });

  it("gathers up to the batch size within the batching window", async () => {
    // Records wait in the poller for up to the window: their visibility timeout must outlast it.
    const { uploads } = await queues(5, 30);
    await send(uploads.url, Array.from({ length: 25 }, (_, index) => `m-${index}`));
    const sizes: number[] = [];

    start(uploads, async (event) => (sizes.push(event.Records.length), { batchItemFailures: [] }), { batchSize: 25, batchingWindowSeconds: 1, maxConcurrency: 1 });
    await waitFor(() => sizes.reduce((sum, size) => sum + size, 0) >= 25, 15_000, "all records");

    expect(sizes).toEqual([25]);
  });

  it("runs at most maxConcurrency invocations at once", async () => {
    const { uploads } = await queues(5);
    await send(uploads.url, Array.from({ length: 30 }, (_, index) => `c-${index}`));
    let running = 0;
    let peak = 0;
    let handled = 0;

    start(uploads, async (event) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 100));
      running--;
      handled += event.Records.length;
      return { batchItemFailures: [] };
    }, { batchSize: 2, maxConcurrency: 3 });
    await waitFor(() => handled === 30, 15_000, "all records");

    expect(peak).toBe(3);
  });

  it("opens the batching window at the first record, not when the poller began to wait", async () => {
    // Prepare: the poller has been idle for longer than its window when the first record comes (the
    // visibility timeout outlasts the window, or the first record would come back while it waits).
    const { uploads } = await queues(5, 30);
    const sizes: number[] = [];
    start(uploads, async (event) => (sizes.push(event.Records.length), { batchItemFailures: [] }), { batchSize: 10, batchingWindowSeconds: 1, maxConcurrency: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1500));

    // Act: one record, then three more well within a second of it.
    await send(uploads.url, ["first"]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await send(uploads.url, ["second", "third", "fourth"]);
    await waitFor(() => sizes.reduce((sum, size) => sum + size, 0) >= 4, 15_000, "all records");

    // Assess
    expect(sizes).toEqual([4]);
  });

  it("hands a batch gathered while an invocation is stuck to the next free slot, not to the stuck one", async () => {
    // Prepare: "stuck" holds its invocation until the test lets it go.
    const { uploads } = await queues(5, 30);
    const stuck = gate();
    const handled: string[] = [];
    start(uploads, async (event) => {
      for (const record of event.Records) {
        if (record.body === "stuck") await stuck.opened;
        handled.push(record.body);
      }
      return { batchItemFailures: [] };
    }, { batchSize: 1, maxConcurrency: 2 });

    // Act
    await send(uploads.url, ["stuck"]);
    await waitFor(async () => (await visible(uploads.url)) === 0, 15_000, "the stuck record to be taken");
    await send(uploads.url, ["ok-1", "ok-2", "ok-3", "ok-4"]);

    // Assess: everything else goes through the other slot while "stuck" still runs.
    await waitFor(() => handled.length === 4, 15_000, "the other records");
    expect([...handled].sort()).toEqual(["ok-1", "ok-2", "ok-3", "ok-4"]);
    stuck.open();
    await waitFor(() => handled.includes("stuck"), 15_000, "the stuck record");
  });

  it("makes a batch gathered for a busy function visible again at once when it stops", async () => {
    // Prepare: one slot, held by the first record; the second is gathered and waits for the slot.
    const { uploads } = await queues(5, 30);
    const held = gate();
    const invoked: string[] = [];
    const reports = start(uploads, async (event) => {
      invoked.push(...event.Records.map((record) => record.body));
      await held.opened;
      return { batchItemFailures: [] };
    }, { batchSize: 1, maxConcurrency: 1 });
    await send(uploads.url, ["running"]);
    await waitFor(() => invoked.length === 1, 15_000, "the first invocation");
    await send(uploads.url, ["gathered"]);
    await waitFor(async () => (await visible(uploads.url)) === 0, 15_000, "the second record to be gathered");

    // Act
    const stopping = runner?.stop();

    // Assess: the gathered record is back on the queue long before its 30 s visibility timeout...
    await waitFor(async () => (await visible(uploads.url)) === 1, 5_000, "the gathered record to be released");
    expect(invoked).toEqual(["running"]);
    // ...and the running invocation is finished and deleted before stop() returns.
    held.open();
    await stopping;
    runner = undefined;
    expect(reports.map((report) => report.outcome)).toEqual(["succeeded"]);
    expect(await count(uploads.url)).toBe(1);
  });
});
