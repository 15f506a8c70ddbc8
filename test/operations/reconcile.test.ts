import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { batchState, seedBatch } from "@pipeline/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/waitFor.js";
import { startOperatorStack, type OperatorStack } from "./operatorStack.js";

describe("the reconciler (batchctl reconcile)", () => {
  let ops: OperatorStack;
  const sql = () => ops.stack.pipeline.sql;

  beforeAll(async () => {
    ops = await startOperatorStack();
  });
  afterAll(() => ops?.close());

  const untilCompleted = (batchId: string) =>
    waitFor(async () => {
      const state = await batchState(sql(), batchId);
      return state.status === "completed" ? state : undefined;
    }, 30_000, `batch ${batchId} to complete`);

  /**
   * A batch as the worker leaves it: `done` uploads terminal and counted, the rest pending; every
   * upload released (their messages sent), unless `released` is false (none released yet).
   */
  async function processingBatch(uploads: number, done: number, ageSeconds = 0, released = true): Promise<string> {
    const batchId = await seedBatch(sql(), { userId: "reconcile", uploads });
    await sql().query(
      `WITH done AS (
         UPDATE uploads SET processing_status = 'completed', updated_at = now() - make_interval(secs => $3)
          WHERE id IN (SELECT id FROM uploads WHERE batch_id = $1 ORDER BY id LIMIT $2) RETURNING id)
       UPDATE upload_batches SET status = 'processing', started_at = now(), processed_uploads = (SELECT count(*) FROM done),
              successful_uploads = (SELECT count(*) FROM done), updated_at = now() - make_interval(secs => $3)
        WHERE id = $1`,
      [batchId, done, ageSeconds],
    );
    await sql().query("UPDATE uploads SET updated_at = now() - make_interval(secs => $2) WHERE batch_id = $1", [batchId, ageSeconds]);
    if (released) {
      await sql().query("UPDATE upload_batches SET release_cursor = (SELECT id FROM uploads WHERE batch_id = $1 ORDER BY id DESC LIMIT 1) WHERE id = $1", [batchId]);
    }
    return batchId;
  }

  it("finalizes a batch whose last upload's progress message was lost", async () => {
    const batchId = await processingBatch(5, 5);

    const result = await ops.batchctl("reconcile");

    expect(result.code).toBe(0);
    expect(result.out).toContain("finalization requested");
    expect(result.out).toContain(batchId);
    expect(await untilCompleted(batchId)).toMatchObject({ processed: 5, successful: 5 });
  });

  it("repairs counters corrupted by hand, and says so loudly", async () => {
    const batchId = await processingBatch(8, 8);
    await sql().query("UPDATE upload_batches SET status = 'completed', processed_uploads = 3, successful_uploads = 1, failed_uploads = 2, total_uploads = 3 WHERE id = $1", [batchId]);

    const result = await ops.batchctl("reconcile", "--json");

    const { summary, log } = JSON.parse(result.out) as { summary: { repairedCounters: number }; log: string[] };
    expect(summary.repairedCounters).toBe(1);
    const line = log.find((entry) => entry.includes(batchId)) ?? "";
    expect(line).toMatch(/^ERROR batch counters disagreed with the uploads table and were repaired/);
    expect(JSON.parse(line.slice(line.indexOf("{")))).toMatchObject({
      before: { total: 3, processed: 3, successful: 1, failed: 2 },
      after: { total: 8, processed: 8, successful: 8, failed: 0, cancelled: 0 },
    });
    expect(await batchState(sql(), batchId)).toMatchObject({ total: 8, processed: 8, successful: 8, failed: 0 });
  });

  it("re-enqueues unfinished uploads whose messages were lost, after the grace period, and the batch completes exactly", async () => {
    const batchId = await processingBatch(12, 4, 3600);

    const result = await ops.batchctl("reconcile", "--lost-after", "600");

    expect(result.out).toContain("unfinished uploads re-enqueued");
    expect(result.out).toContain('"uploads":8');
    expect(await untilCompleted(batchId)).toMatchObject({ total: 12, processed: 12, successful: 12 });
  });

  it("tops up the window of a batch whose uploads wait for release with nothing moving, and the batch completes exactly", async () => {
    const batchId = await processingBatch(12, 4, 3600, false);

    const result = await ops.batchctl("reconcile", "--lost-after", "600", "--json");

    // Not released, so not lost: nothing is re-enqueued directly, the window is topped up instead.
    expect(JSON.parse(result.out).summary).toMatchObject({ requeuedUploads: 0, toppedUpBatches: 1 });
    expect(await untilCompleted(batchId)).toMatchObject({ total: 12, processed: 12, successful: 12 });
  });

  it("leaves unfinished uploads alone within the grace period", async () => {
    const batchId = await processingBatch(3, 0, 0);

    const result = await ops.batchctl("reconcile", "--lost-after", "600", "--json");

    expect(JSON.parse(result.out).summary.requeuedUploads).toBe(0);
    expect((await batchState(sql(), batchId)).processed).toBe(0);
    await sql().query("UPDATE upload_batches SET status = 'cancelled' WHERE id = $1", [batchId]);
  });

  it("re-sends a pending batch that was never fanned out", async () => {
    const batchId = await seedBatch(sql(), { userId: "reconcile", uploads: 4 });
    await sql().query("UPDATE upload_batches SET updated_at = now() - interval '1 hour' WHERE id = $1", [batchId]);

    const result = await ops.batchctl("reconcile");

    expect(result.out).toContain("pending batch was never fanned out; batch message re-sent");
    expect(await untilCompleted(batchId)).toMatchObject({ processed: 4 });
  });

  it("reports a stalled batch with its dead-letter count", async () => {
    await ops.stack.pipeline.stopRunners(1000);
    const batchId = await processingBatch(2, 1, 7200);
    await ops.stack.pipeline.sqs.send(new SendMessageCommand({ QueueUrl: ops.stack.queues.uploads.dlqUrl, MessageBody: JSON.stringify({ batchId, uploadId: "0b8e7d6c-5a4f-4e3d-8c2b-1a0f9e8d7c6b" }) }));

    const result = await ops.batchctl("reconcile", "--stalled-after", "1800", "--lost-after", "100000", "--json");

    const { summary, log } = JSON.parse(result.out) as { summary: { stalled: number }; log: string[] };
    expect(summary.stalled).toBe(1);
    const line = log.find((entry) => entry.startsWith("ERROR batch stalled")) ?? "";
    expect(JSON.parse(line.slice(line.indexOf("{")))).toMatchObject({ batchId, processed: 1, total: 2, deadLetters: 1 });
    ops.stack.pipeline.startRunners();
  });
});

describe("batchctl without a stack", () => {
  it("says no stack was found and how to get one", async () => {
    const { run } = await import("@pipeline/cli");
    const errors: string[] = [];

    const code = await run(["node", "batchctl", "--stack", "/nonexistent/stack.json", "batch", "show", "8f14e45f-ceea-467f-a0e6-1b1a9a4b8d2a"], {
      print: () => {},
      printError: (text) => errors.push(text),
      env: {},
    });

    expect(code).toBe(2);
    expect(errors.join("\n")).toContain("no stack found at /nonexistent/stack.json: start the local stack with `npm start`");
  });

  it("names the settings a deployed stage needs when there is no local stack either", async () => {
    const { run } = await import("@pipeline/cli");
    const errors: string[] = [];
    const previous = process.cwd();
    process.chdir("/tmp");
    try {
      const code = await run(["node", "batchctl", "reconcile"], { print: () => {}, printError: (text) => errors.push(text), env: { DATABASE_URL: "postgres://x" } });
      expect(code).toBe(2);
    } finally {
      process.chdir(previous);
    }
    expect(errors.join("\n")).toMatch(/no stack found: no \/tmp\/\.local\/stack\.json, and WS_MANAGEMENT_ENDPOINT, BATCHES_QUEUE_URL, .* are not set/);
  });
});
