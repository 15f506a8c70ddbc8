import { PipelineClient, type PushMessage } from "@pipeline/local";
import { batchState, seedBatch } from "@pipeline/testkit";
import type { UploadProcessor } from "@pipeline/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptedProcessor } from "../support/ScriptedProcessor.js";
import { waitFor } from "../support/waitFor.js";
import { startOperatorStack, type OperatorStack } from "./operatorStack.js";

describe("batchctl batch", () => {
  let ops: OperatorStack;
  // "bad-*" uploads fail permanently until `healed`; "gated-*" ones wait until the test opens the
  // gate, so a pause lands while they are in flight however loaded the machine is.
  let healed = false;
  let openGate = () => {};
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  const scripted = new ScriptedProcessor((upload) => {
    if (upload.filename.startsWith("bad")) return healed ? "ok" : "permanent";
    // Good uploads of the tolerance batch take a while, so the batch fails while they are in flight.
    return upload.filename.startsWith("tolerance") ? { behaviour: "ok", delayMillis: 3000 } : "ok";
  });
  const processor: UploadProcessor = {
    async process(upload) {
      if (upload.filename.startsWith("gated")) await gate;
      return scripted.process(upload);
    },
  };

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
  const row = async (batchId: string) => {
    const { rows } = await ops.stack.pipeline.sql.query<{ paused_at: Date | null; max_in_flight: number | null; priority: string }>(
      "SELECT paused_at, max_in_flight, priority FROM upload_batches WHERE id = $1",
      [batchId],
    );
    return rows[0];
  };
  const startedUploads = async (batchId: string) => {
    const { rows } = await ops.stack.pipeline.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM uploads WHERE batch_id = $1 AND processing_status IN ('processing', 'analyzing', 'embedding')",
      [batchId],
    );
    return rows[0]?.n ?? 0;
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
    expect(shown.out).toMatch(/priority\s+interactive\n\s+window\s+40 \(stage default\)\n\s+in flight\s+0\n/);
    expect(shown.out).not.toContain("time left");
    const json = JSON.parse((await ops.batchctl("batch", "show", batchId, "--json")).out);
    expect(json).toMatchObject({ batch: { batchId, status: "completed" }, uploadsByStatus: { completed: 4, failed: 2 }, stalled: false });
  });

  it("show: a running batch's priority, window, uploads in flight and time left", async () => {
    // 5 of 10 processed in 100 s of processing: 5 more at that rate is 100 s.
    const batchId = await submit("running", 10, 0);
    await ops.stack.pipeline.sql.query(
      `UPDATE upload_batches SET status = 'processing', started_at = now() - interval '100 seconds',
              processed_uploads = 5, successful_uploads = 5, priority = 'bulk' WHERE id = $1`,
      [batchId],
    );
    await ops.stack.pipeline.sql.query(
      `UPDATE uploads SET processing_status = CASE WHEN n <= 5 THEN 'completed' ELSE 'processing' END
         FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM uploads WHERE batch_id = $1) AS numbered
        WHERE uploads.id = numbered.id AND n <= 7`,
      [batchId],
    );

    const shown = await ops.batchctl("batch", "show", batchId);

    expect(shown.code).toBe(0);
    expect(shown.out).toContain(`batch ${batchId}  PROCESSING\n`);
    expect(shown.out).toMatch(/priority\s+bulk\n\s+window\s+40 \(stage default\)\n\s+in flight\s+2\n\s+time left\s+about 2 min\n/);
    const { flow } = JSON.parse((await ops.batchctl("batch", "show", batchId, "--json")).out);
    expect(flow).toMatchObject({ priority: "bulk", window: 40, windowSource: "stage default", paused: false, inFlight: 2 });
    expect(flow.secondsLeft).toBeGreaterThanOrEqual(100);
    expect(flow.secondsLeft).toBeLessThan(130);
  });

  it("pause: no new upload starts, those in flight finish, clients are told, not stalled; resume continues where it stopped", async () => {
    // Prepare: six gated uploads, two in flight at a time
    const batchId = await submit("gated", 6, 0);
    await ops.stack.pipeline.sql.query("UPDATE upload_batches SET max_in_flight = 2 WHERE id = $1", [batchId]);
    const client = await PipelineClient.forDemoUser(ops.stack.endpoints.httpUrl, ops.stack.endpoints.wsUrl, "ops");
    const pushes: PushMessage[] = [];
    const socket = await client.connect((message) => pushes.push(message));
    await start(batchId);
    await waitFor(async () => (await startedUploads(batchId)) === 2, 30_000, "the first window to start");

    // Act
    const paused = await ops.batchctl("batch", "pause", batchId);

    // Assess: the row, the push, and that nothing starts once the in-flight uploads are done
    expect(paused.code).toBe(0);
    expect(paused.out).toBe(`batch ${batchId} paused: no new upload starts; 2 in flight finish. Resume with \`batchctl batch resume ${batchId}\``);
    expect((await row(batchId))?.paused_at).not.toBeNull();
    await waitFor(() => pushes.some((push) => push.batchId === batchId && push.type === "batch.progress" && push.paused === true), 10_000, "clients to be told it is paused");
    openGate();
    await waitFor(async () => (await batchState(ops.stack.pipeline.sql, batchId)).processed === 2, 10_000, "the two in flight to finish and count");
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await startedUploads(batchId)).toBe(0);
    expect(await batchState(ops.stack.pipeline.sql, batchId)).toMatchObject({ status: "processing", processed: 2 });
    expect(await ops.batchctl("batch", "pause", batchId)).toMatchObject({ code: 0, out: `batch ${batchId} is already paused; nothing changed` });

    // A processing batch without progress for two hours is stalled, unless it is paused.
    await ops.stack.pipeline.sql.query("UPDATE upload_batches SET updated_at = now() - interval '2 hours' WHERE id = $1", [batchId]);
    const shown = await ops.batchctl("batch", "show", batchId);
    expect(shown.out).toContain(`batch ${batchId}  PROCESSING  PAUSED\n`);
    expect(shown.out).not.toContain("STALLED");
    expect(shown.out).toMatch(/window\s+2 \(the batch's own\)\n\s+in flight\s+0 \(paused: they finish, no new upload starts\)\n\s+time left\s+unknown while paused/);
    const json = JSON.parse((await ops.batchctl("batch", "show", batchId, "--json")).out);
    expect(json).toMatchObject({ stalled: false, flow: { paused: true, window: 2, windowSource: "batch", inFlight: 0, secondsLeft: null } });

    // Act: resume
    const resumed = await ops.batchctl("batch", "resume", batchId);

    // Assess: the batch message it sent releases the rest; the batch completes
    expect(resumed).toMatchObject({ code: 0, out: `batch ${batchId} resumed: its uploads are released again where it stopped, up to 2 (the batch's own) in flight` });
    expect((await row(batchId))?.paused_at).toBeNull();
    await until(batchId, "completed");
    expect(await batchState(ops.stack.pipeline.sql, batchId)).toMatchObject({ total: 6, processed: 6, successful: 6 });
    const final = await waitFor(() => pushes.find((push) => push.batchId === batchId && push.type === "batch.completed"), 10_000, "the final push");
    expect(final).toMatchObject({ paused: false });
    socket.close();

    // A final batch is not paused, resumed or changed: the error names its status.
    for (const args of [["pause"], ["resume"], ["limit", "5"], ["priority", "bulk"]]) {
      const refused = await ops.batchctl("batch", args[0] ?? "", batchId, ...args.slice(1));
      expect(refused.code).toBe(2);
      expect(refused.err).toMatch(new RegExp(`batch ${batchId} is already completed: only a pending or processing batch can be \\w+`));
    }
  });

  it("limit and priority: stored on the batch, shown, back to the stage default with `default`; no change is said so", async () => {
    // Prepare: a batch with a window of its own, not running
    const batchId = await seedBatch(ops.stack.pipeline.sql, { userId: "ops", uploads: 3, maxInFlight: 5 });
    // A resume of a batch not paused changes nothing (its batch message, sent again so that a
    // repeated control heals a failed send, starts that pending batch: a batch of its own).
    const notPaused = await seedBatch(ops.stack.pipeline.sql, { userId: "ops", uploads: 1 });
    expect(await ops.batchctl("batch", "resume", notPaused)).toMatchObject({ code: 0, out: `batch ${notPaused} is not paused; nothing changed` });
    // Paused, so the batch messages the changes send start nothing.
    expect((await ops.batchctl("batch", "pause", batchId)).code).toBe(0);
    expect((await ops.batchctl("batch", "show", batchId)).out).toMatch(/window\s+5 \(the batch's own\)/);

    // Act & assess: back to the default
    const byDefault = await ops.batchctl("batch", "limit", batchId, "default");
    expect(byDefault).toMatchObject({ code: 0 });
    expect(byDefault.out).toContain(`batch ${batchId} window set to 40 (stage default)`);
    expect(byDefault.out).toContain("(the batch is paused: it applies on resume)");
    expect((await row(batchId))?.max_in_flight).toBeNull();

    // A window of its own
    expect((await ops.batchctl("batch", "limit", batchId, "12")).out).toContain(`batch ${batchId} window set to 12 (the batch's own)`);
    expect((await row(batchId))?.max_in_flight).toBe(12);
    expect(await ops.batchctl("batch", "limit", batchId, "12")).toMatchObject({ code: 0, out: `batch ${batchId} already has window 12 (the batch's own); nothing changed` });

    // Priority
    expect(await ops.batchctl("batch", "priority", batchId, "bulk")).toMatchObject({ code: 0, out: `batch ${batchId} priority set to bulk` });
    expect((await row(batchId))?.priority).toBe("bulk");
    expect(await ops.batchctl("batch", "priority", batchId, "bulk")).toMatchObject({ code: 0, out: `batch ${batchId} is already bulk; nothing changed` });
    const shown = await ops.batchctl("batch", "show", batchId);
    expect(shown.out).toMatch(/PAUSED\n[\s\S]*priority\s+bulk\n\s+window\s+12 \(the batch's own\)\n/);
    expect(JSON.parse((await ops.batchctl("batch", "show", batchId, "--json")).out).flow).toMatchObject({ priority: "bulk", window: 12, windowSource: "batch", paused: true });
    expect(await row(batchId)).toMatchObject({ max_in_flight: 12, priority: "bulk" });
  });

  it.each(["0", "10001", "abc", "2.5", "1e3"])("limit refuses the window %j with the rule and the usage", async (window) => {
    const batchId = await seedBatch(ops.stack.pipeline.sql, { userId: "ops", uploads: 1, maxInFlight: 7 });

    const refused = await ops.batchctl("batch", "limit", batchId, window);

    expect(refused.code).toBe(2);
    expect(refused.err).toContain(`the window must be a whole number from 1 to 10000, or "default" for the stage's (40), got "${window}"`);
    expect(refused.err).toContain("usage: batchctl batch limit <batchId> <1..10000|default>");
    expect((await row(batchId))?.max_in_flight).toBe(7);
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
    [["batch", "pause", "8f14e45f-ceea-467f-a0e6-1b1a9a4b8d2a"], "unknown batch: no batch 8f14e45f-ceea-467f-a0e6-1b1a9a4b8d2a"],
    [["batch", "resume", "8f14e45f-ceea-467f-a0e6-1b1a9a4b8d2a"], "unknown batch"],
    [["batch", "limit", "8f14e45f-ceea-467f-a0e6-1b1a9a4b8d2a", "5"], "unknown batch"],
    [["batch", "priority", "8f14e45f-ceea-467f-a0e6-1b1a9a4b8d2a", "bulk"], "unknown batch"],
    [["batch", "priority", "8f14e45f-ceea-467f-a0e6-1b1a9a4b8d2a", "urgent"], 'unknown priority "urgent": choose interactive or bulk\nusage: batchctl batch priority'],
  ])("refuses %j with a message that names what is wrong", async (args, message) => {
    const result = await ops.batchctl(...args);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
  });
});
