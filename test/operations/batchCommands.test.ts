import { PipelineClient, type PushMessage } from "@pipeline/local";
import { batchState, seedBatch } from "@pipeline/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptedProcessor } from "../support/ScriptedProcessor.js";
import { waitFor } from "../support/waitFor.js";
import { startOperatorStack, type OperatorStack } from "./operatorStack.js";

describe("batchctl batch", () => {
  let ops: OperatorStack;
  // "bad-*" uploads fail permanently until `healed`; "slow-*" ones take long enough to cancel mid-way.
  let healed = false;
  const processor = new ScriptedProcessor((upload) => {
    if (upload.filename.startsWith("bad")) return healed ? "ok" : "permanent";
    // Good uploads of the tolerance batch take a while, so the batch fails while they are in flight.
    return upload.filename.startsWith("tolerance") ? { behaviour: "ok", delayMillis: 3000 } : "ok";
  });

  beforeAll(async () => {
    ops = await startOperatorStack({ processor });
  });
  afterAll(() => ops?.close());

  const submit = async (prefix: string, uploads: number, failing: number) => {
    const batchId = await seedBatch(ops.stack.pipeline.sql, { userId: "ops", uploads });
    await ops.stack.pipeline.sql.query(
      `UPDATE uploads SET filename = CASE WHEN n <= $3 THEN 'bad-' ELSE $2 END || filename
         FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM uploads WHERE batch_id = $1) AS numbered
        WHERE uploads.id = numbered.id`,
      [batchId, `${prefix}-`, failing],
    );
    return batchId;
  };
  const start = async (batchId: string) => {
    const { SendMessageCommand } = await import("@aws-sdk/client-sqs");
    await ops.stack.pipeline.sqs.send(new SendMessageCommand({ QueueUrl: ops.stack.queues.batches.url, MessageBody: JSON.stringify({ batchId }) }));
  };
  const until = (batchId: string, status: string) =>
    waitFor(async () => {
      const state = await batchState(ops.stack.pipeline.sql, batchId);
      return state.status === status ? state : undefined;
    }, 30_000, `batch ${batchId} to be ${status}`);

  it("show: status, counters, uploads per status, age and last change", async () => {
    const batchId = await submit("show", 6, 2);
    await start(batchId);
    await until(batchId, "completed");

    const shown = await ops.batchctl("batch", "show", batchId);

    expect(shown.code).toBe(0);
    expect(shown.out).toContain(`batch ${batchId}  COMPLETED`);
    expect(shown.out).toContain("6 total, 6 processed: 4 completed, 2 failed, 0 cancelled");
    expect(shown.out).toMatch(/by status\s+completed 4, failed 2|by status\s+failed 2, completed 4/);
    expect(shown.out).toMatch(/dead letters\s+0/);
    const json = JSON.parse((await ops.batchctl("batch", "show", batchId, "--json")).out);
    expect(json).toMatchObject({ batch: { batchId, status: "completed" }, uploadsByStatus: { completed: 4, failed: 2 }, stalled: false });
  });

  it("retry-failed: failed uploads go back, the counters go down in the same statement, the batch finalizes again", async () => {
    // Prepare
    const batchId = await submit("retry", 8, 3);
    await start(batchId);
    await until(batchId, "completed");
    expect(await batchState(ops.stack.pipeline.sql, batchId)).toMatchObject({ successful: 5, failed: 3 });
    healed = true;
    const client = await PipelineClient.forDemoUser(ops.stack.endpoints.httpUrl, ops.stack.endpoints.wsUrl, "ops");
    const pushes: PushMessage[] = [];
    const socket = await client.connect((message) => pushes.push(message));

    // Act
    const retried = await ops.batchctl("batch", "retry-failed", batchId);

    // Assess
    expect(retried.out).toContain(`3 upload(s) of batch ${batchId} sent back for another try`);
    const final = await waitFor(async () => {
      const state = await batchState(ops.stack.pipeline.sql, batchId);
      return state.status === "completed" && state.successful === 8 ? state : undefined;
    }, 30_000, "the retried batch to complete");
    expect(final).toMatchObject({ total: 8, processed: 8, successful: 8, failed: 0 });
    await waitFor(() => pushes.some((push) => push.type === "batch.completed" && push.batchId === batchId && push.successful === 8), 10_000, "the new final push");
    socket.close();
    expect((await ops.batchctl("batch", "retry-failed", batchId)).out).toContain("has no failed uploads; nothing to retry");
  });

  it("cancel: the remaining uploads end cancelled and counted, the batch ends cancelled, clients are told", async () => {
    const batchId = await submit("cancel", 40, 0);
    await ops.stack.pipeline.sql.query("UPDATE upload_batches SET status = 'processing' WHERE id = $1", [batchId]);
    await ops.stack.pipeline.sql.query("UPDATE uploads SET processing_status = 'completed' WHERE id IN (SELECT id FROM uploads WHERE batch_id = $1 ORDER BY id LIMIT 10)", [batchId]);
    await ops.stack.pipeline.sql.query("UPDATE upload_batches SET processed_uploads = 10, successful_uploads = 10 WHERE id = $1", [batchId]);
    const client = await PipelineClient.forDemoUser(ops.stack.endpoints.httpUrl, ops.stack.endpoints.wsUrl, "ops");
    const pushes: PushMessage[] = [];
    const socket = await client.connect((message) => pushes.push(message));

    const cancelled = await ops.batchctl("batch", "cancel", batchId);

    expect(cancelled.out).toBe(`batch ${batchId} cancelled; 30 unfinished upload(s) will not be processed`);
    const state = await batchState(ops.stack.pipeline.sql, batchId);
    expect(state).toMatchObject({ status: "cancelled", total: 40, processed: 40, successful: 10, cancelled: 30 });
    expect(state.actual).toMatchObject({ cancelled: 30, completed: 10 });
    const told = await waitFor(() => pushes.find((push) => push.batchId === batchId && push.type === "batch.completed"), 10_000, "clients to be told");
    expect(told).toMatchObject({ status: "cancelled", cancelled: 30 });
    socket.close();
    const again = await ops.batchctl("batch", "cancel", batchId);
    expect(again).toMatchObject({ code: 2 });
    expect(again.err).toContain("is already cancelled; nothing to cancel");
  });

  it("tolerated failures: past its maximum failure percentage a batch ends failed early and its remaining uploads are cancelled", async () => {
    healed = false;
    const batchId = await submit("tolerance", 200, 60);
    await ops.stack.pipeline.sql.query("UPDATE upload_batches SET max_failure_percent = 10 WHERE id = $1", [batchId]);
    await start(batchId);

    const final = await until(batchId, "failed");
    await waitFor(async () => (await batchState(ops.stack.pipeline.sql, batchId)).processed === 200, 10_000, "in-flight uploads to be counted");

    const state = await batchState(ops.stack.pipeline.sql, batchId);
    expect(final.status).toBe("failed");
    expect(state.successful + state.failed + state.cancelled).toBe(200);
    // More than 10% failed, at most all 60 bad ones (the rest may have been cancelled before their turn).
    expect(state.failed).toBeGreaterThan(20);
    expect(state.failed).toBeLessThanOrEqual(60);
    expect(state.cancelled).toBeGreaterThan(0);
    expect(state.actual).toMatchObject({ completed: state.successful, failed: state.failed, cancelled: state.cancelled });
    const { rows } = await ops.stack.pipeline.sql.query<{ error_message: string }>("SELECT error_message FROM upload_batches WHERE id = $1", [batchId]);
    expect(rows[0]?.error_message).toMatch(/^failure tolerance exceeded: \d+ of 200 uploads failed \(at most 10\.00% allowed\)$/);
  });

  it.each([
    [["batch", "show", "8f14e45f-ceea-467f-a0e6-1b1a9a4b8d2a"], "unknown batch: no batch 8f14e45f-ceea-467f-a0e6-1b1a9a4b8d2a"],
    [["batch", "cancel", "8f14e45f-ceea-467f-a0e6-1b1a9a4b8d2a"], "unknown batch"],
    [["batch", "retry-failed", "x"], 'malformed id: "x" is not a batch id'],
  ])("refuses %j with a message that names what is wrong", async (args, message) => {
    const result = await ops.batchctl(...args);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
  });
});
