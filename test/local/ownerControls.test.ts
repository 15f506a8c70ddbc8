import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { ownerKeySegment, type ProcessingResult, type UploadProcessor, type UploadToProcess } from "@pipeline/core";
import { PipelineClient, type LocalStack, type PushMessage } from "@pipeline/local";
import { batchState, seedBatch } from "@pipeline/testkit";
import { wiring } from "@pipeline/wiring";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/startTestStack.js";
import { waitFor } from "../support/waitFor.js";

/**
 * Processes at once, except the uploads of the users the test holds: those wait, each counted as
 * started, until the test lets them go. A paused batch then shows exactly which uploads began.
 * Held by user, not batch: a batch's first uploads may start before its id is known to the test.
 */
class GatedProcessor implements UploadProcessor {
  private readonly started = new Map<string, Set<string>>();
  private readonly gates = new Map<string, { open: Promise<void>; release: () => void }>();

  hold(userId: string): void {
    let release!: () => void;
    const open = new Promise<void>((resolve) => (release = resolve));
    this.gates.set(userId, { open, release });
  }

  release(userId: string): void {
    this.gates.get(userId)?.release();
  }

  startedIn(batchId: string): number {
    return this.started.get(batchId)?.size ?? 0;
  }

  async process(upload: UploadToProcess): Promise<ProcessingResult> {
    const started = this.started.get(upload.batchId) ?? new Set<string>();
    started.add(upload.id);
    this.started.set(upload.batchId, started);
    await this.gates.get(upload.userId)?.open;
    return { description: `processed ${upload.filename}`, thumbnailPath: null, metadata: {}, embedding: [0.5] };
  }
}

interface BatchRow extends Record<string, unknown> {
  status: string;
  paused: boolean;
  priority: string;
  max_in_flight: number | null;
  error_message: string | null;
}

describe("the batch owner's flow controls over HTTP, on the local stack", () => {
  let testStack: TestStack;
  let stack: LocalStack;
  let owner: PipelineClient;
  let stranger: PipelineClient;
  /** The owner of the batch that really runs: its uploads are held in the processor. */
  let runner: PipelineClient;
  const processor = new GatedProcessor();

  beforeAll(async () => {
    testStack = await startTestStack({ runtime: "in-process", processor });
    stack = testStack.stack;
    [owner, stranger, runner] = await Promise.all([
      PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, "controls-owner"),
      PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, "controls-stranger"),
      PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, "controls-runner"),
    ]);
  });
  afterAll(() => testStack?.close());

  const call = async (method: string, path: string, client: PipelineClient | null, body?: string, contentType = "application/json") => {
    const headers: Record<string, string> = client ? { authorization: `Bearer ${client.token}` } : {};
    if (body !== undefined) headers["content-type"] = contentType;
    const response = await fetch(`${stack.endpoints.httpUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const control = (batchId: string, action: "pause" | "resume" | "cancel", client: PipelineClient | null = owner) => call("POST", `/api/batches/${batchId}/${action}`, client);
  const patch = (batchId: string, body: unknown, client: PipelineClient = owner) => call("PATCH", `/api/batches/${batchId}`, client, typeof body === "string" ? body : JSON.stringify(body));

  const row = async (batchId: string): Promise<BatchRow> => {
    const { rows } = await stack.pipeline.sql.query<BatchRow>(
      "SELECT status, paused_at IS NOT NULL AS paused, priority, max_in_flight, error_message FROM upload_batches WHERE id = $1",
      [batchId],
    );
    if (!rows[0]) throw new Error(`no batch ${batchId}`);
    return rows[0];
  };
  /** A batch the upload service wrote but no batch message started: it stays pending. */
  const pendingBatch = (userId = "controls-owner", uploads = 3) => seedBatch(stack.pipeline.sql, { userId, uploads });

  const form = (files: number, fields: Record<string, string>, fieldsLast: boolean) => {
    const data = new FormData();
    const appendFields = () => Object.entries(fields).forEach(([name, value]) => data.append(name, value));
    if (!fieldsLast) appendFields();
    for (let n = 0; n < files; n++) data.append("files", new Blob([Buffer.from([n])], { type: "image/jpeg" }), `f${n}.jpg`);
    if (fieldsLast) appendFields();
    return data;
  };
  const create = async (client: PipelineClient, files: number, fields: Record<string, string> = {}, fieldsLast = false) => {
    const response = await fetch(`${stack.endpoints.httpUrl}/api/batches`, { method: "POST", body: form(files, fields, fieldsLast), headers: { authorization: `Bearer ${client.token}` } });
    return { status: response.status, body: (await response.json()) as { batchId: string; error?: string; message?: string } };
  };

  it("pauses a running batch: the row is paused, the owner's socket is told, what was processing finishes and nothing else starts; resume finishes it", async () => {
    // Prepare: six files released two at a time, the first two held in the processor.
    const received: PushMessage[] = [];
    const socket = await runner.connect((message) => received.push(message));
    const framesOf = (batchId: string) => received.filter((message) => message.batchId === batchId && message.type === "batch.progress");
    processor.hold("controls-runner");
    const { body: created } = await create(runner, 6, { maxInFlight: "2" });
    await waitFor(() => processor.startedIn(created.batchId) >= 2, 30_000, "the first window to start");
    expect(processor.startedIn(created.batchId)).toBe(2);
    // The pushes of the start and the claims are out (none new for 2 s), so the next push is the pause's.
    await waitFor(() => framesOf(created.batchId).length > 0, 30_000, "the batch's first push");
    let seen = -1;
    let quietSince = Date.now();
    await waitFor(() => {
      if (framesOf(created.batchId).length !== seen) [seen, quietSince] = [framesOf(created.batchId).length, Date.now()];
      return Date.now() - quietSince > 2000;
    }, 30_000, "the batch's pushes to settle");
    expect(framesOf(created.batchId).map((frame) => frame.paused)).not.toContain(true);

    try {
      // Act
      const paused = await control(created.batchId, "pause", runner);

      // Assess
      expect(paused).toEqual({ status: 200, body: { batchId: created.batchId, paused: true, priority: "interactive", maxInFlight: 2, changed: true } });
      expect(await row(created.batchId)).toMatchObject({ status: "processing", paused: true });
      await waitFor(() => framesOf(created.batchId).slice(seen).some((frame) => frame.paused === true), 30_000, "a batch.progress push with paused: true");
      // Pausing again changes nothing, and says so.
      expect((await control(created.batchId, "pause", runner)).body).toMatchObject({ paused: true, changed: false });
      // The two in flight finish and are counted; no other upload starts while paused.
      processor.release("controls-runner");
      await waitFor(async () => (await batchState(stack.pipeline.sql, created.batchId)).processed === 2, 30_000, "the two in flight to be counted");
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(processor.startedIn(created.batchId)).toBe(2);
      expect(await batchState(stack.pipeline.sql, created.batchId)).toMatchObject({ status: "processing", processed: 2 });

      // Act: resume.
      const resumed = await control(created.batchId, "resume", runner);

      // Assess
      expect(resumed).toEqual({ status: 200, body: { batchId: created.batchId, paused: false, priority: "interactive", maxInFlight: 2, changed: true } });
      await waitFor(async () => (await batchState(stack.pipeline.sql, created.batchId)).status === "completed", 30_000, "the resumed batch to complete");
      expect(await batchState(stack.pipeline.sql, created.batchId)).toMatchObject({ total: 6, processed: 6, successful: 6 });
      expect(processor.startedIn(created.batchId)).toBe(6);
      // Clients were told it runs again (a batch.progress, or the batch.completed when the finalizer
      // ran once the batch was done).
      const frames = received.filter((message) => message.batchId === created.batchId && (message.type === "batch.progress" || message.type === "batch.completed"));
      const pausedAt = frames.findIndex((frame) => frame.paused === true);
      expect(frames.slice(pausedAt + 1).map((frame) => frame.paused)).toContain(false);
      // A final batch cannot be paused.
      const late = await control(created.batchId, "pause", runner);
      expect(late).toMatchObject({ status: 409, body: { error: "already_final", message: expect.stringContaining("completed") } });
    } finally {
      processor.release("controls-runner");
      socket.close();
    }
  });

  it("another user's batch answers every control exactly as an unknown one, and is left as it was", async () => {
    // Prepare
    const batchId = await pendingBatch();
    const before = await row(batchId);
    const unknown = "00000000-0000-4000-8000-000000000000";

    // Act
    const answers = await Promise.all([
      control(batchId, "pause", stranger),
      control(batchId, "resume", stranger),
      control(batchId, "cancel", stranger),
      patch(batchId, { maxInFlight: 1, priority: "bulk" }, stranger),
    ]);
    const unknownAnswer = await control(unknown, "pause");

    // Assess
    for (const answer of answers) expect(answer).toEqual({ status: 404, body: { error: "not_found", message: `no batch ${batchId}` } });
    expect(unknownAnswer).toEqual({ status: 404, body: { error: "not_found", message: `no batch ${unknown}` } });
    expect(await row(batchId)).toEqual(before);
  });

  it("changes a batch's window and priority, and the window back to the stage's default", async () => {
    const batchId = await pendingBatch();

    const changed = await patch(batchId, { maxInFlight: 5, priority: "bulk" });
    expect(changed).toEqual({ status: 200, body: { batchId, paused: false, priority: "bulk", maxInFlight: 5, changed: true } });
    expect(await row(batchId)).toMatchObject({ priority: "bulk", max_in_flight: 5 });

    expect((await patch(batchId, { maxInFlight: 5 })).body).toMatchObject({ changed: false });
    expect((await patch(batchId, { maxInFlight: null })).body).toMatchObject({ maxInFlight: null, priority: "bulk", changed: true });
    expect(await row(batchId)).toMatchObject({ priority: "bulk", max_in_flight: null });
  });

  it.each([
    ["an empty change", {}, "maxInFlight or priority"],
    ["a window of 0", { maxInFlight: 0 }, "maxInFlight"],
    ["a window over the limit", { maxInFlight: 10_001 }, "maxInFlight"],
    ["a fractional window", { maxInFlight: 2.5 }, "maxInFlight"],
    ["a window as a string", { maxInFlight: "5" }, "maxInFlight"],
    ["an unknown priority", { priority: "urgent" }, "priority"],
    ["an unknown field", { maxInflight: 5 }, "maxInflight"],
    ["a body that is not an object", [1, 2], "object"],
    ["a body that is not JSON", "maxInFlight=5", "JSON"],
  ])("PATCH refuses %s with 400 and changes nothing", async (_what, body, mentioned) => {
    const batchId = await pendingBatch();
    const before = await row(batchId);

    const answer = await patch(batchId, body);

    expect(answer).toMatchObject({ status: 400, body: { error: "bad_request", message: expect.stringContaining(mentioned) } });
    expect(await row(batchId)).toEqual(before);
  });

  it("PATCH refuses a body that is not application/json (415) and one over 4 KiB (413)", async () => {
    const batchId = await pendingBatch();
    expect(await call("PATCH", `/api/batches/${batchId}`, owner, "maxInFlight=5", "application/x-www-form-urlencoded")).toMatchObject({ status: 415, body: { error: "unsupported_media_type" } });
    expect(await patch(batchId, { maxInFlight: 5, padding: "x".repeat(5000) })).toMatchObject({ status: 413, body: { error: "request_too_large" } });
    expect(await row(batchId)).toMatchObject({ max_in_flight: null });
  });

  it("refuses a malformed batch id (400, as GET does) and a missing token (401)", async () => {
    expect(await control("1%20OR%201=1", "pause")).toMatchObject({ status: 400, body: { error: "bad_id" } });
    expect(await patch("not-a-uuid", { maxInFlight: 3 })).toMatchObject({ status: 400, body: { error: "bad_id" } });
    const batchId = await pendingBatch();
    expect(await control(batchId, "pause", null)).toMatchObject({ status: 401, body: { error: "unauthorized" } });
    expect(await row(batchId)).toMatchObject({ paused: false });
  });

  it("cancels the owner's batch: cancelled, with its reason, and a second cancel or a pause answers 409", async () => {
    const batchId = await pendingBatch("controls-owner", 4);

    const cancelled = await control(batchId, "cancel");

    expect(cancelled).toEqual({ status: 200, body: { batchId, cancelledUploads: 4 } });
    expect(await row(batchId)).toMatchObject({ status: "cancelled", error_message: "cancelled by its owner" });
    expect(await batchState(stack.pipeline.sql, batchId)).toMatchObject({ processed: 4, cancelled: 4 });
    for (const action of ["cancel", "pause", "resume"] as const) {
      expect(await control(batchId, action)).toMatchObject({ status: 409, body: { error: "already_final", message: expect.stringContaining("cancelled") } });
    }
    expect(await patch(batchId, { priority: "bulk" })).toMatchObject({ status: 409, body: { error: "already_final" } });
  });

  it("creates a batch with a priority and a window of its own, or the defaults", async () => {
    const own = await create(owner, 2, { priority: "bulk", maxInFlight: "3" });
    const plain = await create(owner, 1);
    const blank = await create(owner, 1, { maxInFlight: "" });

    expect([own.status, plain.status, blank.status]).toEqual([201, 201, 201]);
    expect(await row(own.body.batchId)).toMatchObject({ priority: "bulk", max_in_flight: 3 });
    expect(await row(plain.body.batchId)).toMatchObject({ priority: "interactive", max_in_flight: null });
    expect(await row(blank.body.batchId)).toMatchObject({ priority: "interactive", max_in_flight: null });
  });

  it("makes a batch submitted without a priority bulk when it is larger than the wiring's threshold, unless it asks to be interactive", async () => {
    const large = wiring.flowControl.bulkAboveUploads + 1;
    const unnamed = await create(owner, large);
    const named = await create(owner, large, { priority: "interactive" });
    const atThreshold = await create(owner, wiring.flowControl.bulkAboveUploads);

    expect(await row(unnamed.body.batchId)).toMatchObject({ priority: "bulk" });
    expect(await row(named.body.batchId)).toMatchObject({ priority: "interactive" });
    expect(await row(atThreshold.body.batchId)).toMatchObject({ priority: "interactive" });
    for (const batch of [unnamed, named, atThreshold]) await control(batch.body.batchId, "cancel");
  });

  it.each([
    ["an unknown priority", "refused-priority", { priority: "urgent" }, "priority", false],
    ["an unknown priority sent after the files", "refused-priority-last", { priority: "urgent" }, "priority", true],
    ["a window of 0", "refused-zero", { maxInFlight: "0" }, "maxInFlight", false],
    ["a window over the limit", "refused-over", { maxInFlight: "10001" }, "maxInFlight", false],
    ["a fractional window", "refused-fraction", { maxInFlight: "2.5" }, "maxInFlight", false],
    ["a negative window", "refused-negative", { maxInFlight: "-1" }, "maxInFlight", false],
    ["a window that is not a number", "refused-words", { maxInFlight: "lots" }, "maxInFlight", true],
  ])("creation refuses %s with 400 and keeps nothing", async (_what, userId, fields, mentioned, fieldsLast) => {
    const client = await PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, userId);

    const answer = await create(client, 2, fields, fieldsLast);

    expect(answer).toMatchObject({ status: 400, body: { error: "bad_request", message: expect.stringContaining(mentioned) } });
    const { rows } = await stack.pipeline.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM upload_batches WHERE user_id = $1", [userId]);
    expect(rows[0]?.n).toBe(0);
    const s3 = new S3Client({ region: stack.endpoints.region, endpoint: stack.endpoints.s3Endpoint, forcePathStyle: true, credentials: stack.endpoints.credentials });
    try {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: stack.endpoints.bucket, Prefix: `uploads/${await ownerKeySegment(userId)}/` }));
      expect(listed.Contents ?? []).toEqual([]);
    } finally {
      s3.destroy();
    }
  });
});
