import { closeConnection, InvalidTokenError, openConnection, readBatch, resumeUnfinishedBatches, subscribeToBatch, sweepStaleConnections } from "@pipeline/core";
import {
  InMemoryBatchControls,
  InMemoryBatchQueue,
  InMemoryBatchReader,
  InMemoryBatchRepository,
  InMemoryConnectionNotifier,
  InMemoryConnectionRepository,
  InMemoryDatabase,
  InMemoryTokenVerifier,
  InMemoryUploadRepository,
  ManualClock,
  TEST_FLOW,
} from "@pipeline/testkit/fakes";
import { describe, expect, it } from "vitest";
import { RecordingLogger } from "../support/RecordingLogger.js";

describe("readBatch and subscribeToBatch", () => {
  function readerWorld(uploads: number) {
    const database = new InMemoryDatabase();
    const { batchId, uploadIds } = database.seedBatch({ userId: "owner", uploads });
    return { database, reader: new InMemoryBatchReader(database), batchId, uploadIds };
  }

  it("answers another user's batch exactly as an unknown one (I6)", async () => {
    const { reader, batchId } = readerWorld(1);

    expect(await readBatch(reader, "intruder", batchId)).toBeUndefined();
    expect(await subscribeToBatch(reader, "intruder", batchId, null)).toEqual({ type: "error", code: "not_found", message: `no batch ${batchId}`, batchId });
  });

  it("keeps a requested page size within 1 and the maximum", async () => {
    const { reader, batchId } = readerWorld(3);

    const tiny = await readBatch(reader, "owner", batchId, { limit: 0 });
    const all = await readBatch(reader, "owner", batchId, { limit: 10_000 });

    expect(tiny?.uploads).toHaveLength(1);
    expect(all?.uploads).toHaveLength(3);
  });

  it("catches a client up with the batch's counters, version and a page of uploads", async () => {
    const { database, reader, batchId, uploadIds } = readerWorld(2);
    await new InMemoryBatchRepository(database).startFanOut(batchId);
    await new InMemoryUploadRepository(database).recordOutcomes(batchId, [
      { uploadId: uploadIds[0] ?? "", status: "completed", result: { description: "d", thumbnailPath: "thumbs/0.jpg", metadata: null, embedding: null } },
    ], TEST_FLOW);
    await new InMemoryBatchRepository(database).advanceProgress([batchId]);

    const frame = await subscribeToBatch(reader, "owner", batchId, null);

    expect(frame).toMatchObject({ type: "batch.snapshot", batchId, version: 1, status: "processing", total: 2, processed: 1, successful: 1, nextCursor: null });
    expect(frame.type === "batch.snapshot" && frame.uploads.map((upload) => [upload.uploadId, upload.status, upload.hasThumbnail])).toEqual([
      [uploadIds[0], "completed", true],
      [uploadIds[1], "pending", false],
    ]);
  });

  it("pages a large batch with a cursor the next subscribe continues from", async () => {
    const { reader, batchId, uploadIds } = readerWorld(250);

    const first = await subscribeToBatch(reader, "owner", batchId, null);
    const second = first.type === "batch.snapshot" ? await subscribeToBatch(reader, "owner", batchId, first.nextCursor) : first;

    expect(first.type === "batch.snapshot" && first.uploads).toHaveLength(200);
    expect(second.type === "batch.snapshot" && [second.uploads.length, second.nextCursor]).toEqual([50, null]);
    expect(second.type === "batch.snapshot" && second.uploads[0]?.uploadId).toBe(uploadIds[200]);
  });
});

describe("sweepStaleConnections", () => {
  it("removes records past the gateway's lifetime and old ones whose socket is gone, not young or open ones", async () => {
    // Prepare
    const clock = new ManualClock();
    const database = new InMemoryDatabase(clock.now);
    const connections = new InMemoryConnectionRepository(database);
    const notifier = new InMemoryConnectionNotifier(new Set(["old-open", "expired"]));
    const tokenExpiresAt = new Date(clock.now().getTime() + 24 * 60 * 60 * 1000);
    await connections.add({ connectionId: "expired", userId: "u", tokenExpiresAt });
    clock.advance(60 * 60);
    await connections.add({ connectionId: "old-open", userId: "u", tokenExpiresAt });
    await connections.add({ connectionId: "old-gone", userId: "u", tokenExpiresAt });
    clock.advance(60 * 60);
    await connections.add({ connectionId: "young-gone", userId: "u", tokenExpiresAt });
    clock.advance(5 * 60);

    // Act
    const swept = await sweepStaleConnections({ connections, notifier, logger: new RecordingLogger() }, { now: clock.now(), maxAgeSeconds: 2 * 60 * 60, probeAfterSeconds: 10 * 60 });

    // Assess
    expect(swept).toBe(2);
    expect((await connections.forUsers(["u"])).map((connection) => connection.connectionId).sort()).toEqual(["old-open", "young-gone"]);
  });
});

describe("openConnection and closeConnection", () => {
  function connectionWorld() {
    const clock = new ManualClock();
    const database = new InMemoryDatabase(clock.now);
    const tokens = new InMemoryTokenVerifier(clock.now);
    return { clock, tokens, deps: { connections: new InMemoryConnectionRepository(database), tokens, logger: new RecordingLogger() } };
  }

  it("records an admitted client under its token's user, until its token's expiry, and forgets it on close", async () => {
    const { clock, tokens, deps } = connectionWorld();

    const admitted = await openConnection(deps, "c1", tokens.issue("alice", new Date(clock.now().getTime() + 60_000)));

    expect(admitted).toEqual({ userId: "alice" });
    expect(await deps.connections.forUsers(["alice"])).toEqual([{ connectionId: "c1", userId: "alice" }]);
    clock.advance(60);
    expect(await deps.connections.forUsers(["alice"]), "not served past its token's expiry").toEqual([]);
    await closeConnection(deps, "c1");
    expect(await deps.connections.removeExpired(clock.now(), 10)).toEqual([]);
  });

  it("leaves nothing behind for a missing, unknown or expired token", async () => {
    const { clock, tokens, deps } = connectionWorld();
    const expiring = tokens.issue("alice", new Date(clock.now().getTime() + 1000));
    clock.advance(2);

    const reasons = await Promise.all(
      [undefined, "forged", expiring].map((token, index) => openConnection(deps, `c${index}`, token).catch((error: unknown) => (error instanceof InvalidTokenError ? error.reason : error))),
    );

    expect(reasons).toEqual(["missing", "bad-signature", "expired"]);
    expect(await deps.connections.forUsers(["alice"])).toEqual([]);
  });
});

describe("resumeUnfinishedBatches", () => {
  it("sends one batch message per pending or processing batch, page by page", async () => {
    const database = new InMemoryDatabase();
    const pending = [1, 2, 3].map(() => database.seedBatch({ userId: "u", uploads: 1 }).batchId);
    const finished = database.seedBatch({ userId: "u", uploads: 1 }).batchId;
    await new InMemoryBatchControls(database).cancel(finished);
    const batchQueue = new InMemoryBatchQueue();

    const resumed = await resumeUnfinishedBatches({ batches: new InMemoryBatchRepository(database), batchQueue, logger: new RecordingLogger() }, 2);

    expect(resumed).toBe(3);
    expect(batchQueue.messages.map((message) => message.batchId)).toEqual([...pending].sort());
  });

  it("holds a processing batch's released uploads first, so its batch message sends them again (their messages were lost)", async () => {
    const database = new InMemoryDatabase();
    const { batchId, uploadIds } = database.seedBatch({ userId: "u", uploads: 5, maxInFlight: 2 });
    const batches = new InMemoryBatchRepository(database);
    await batches.startFanOut(batchId);
    await batches.releaseWindow(batchId, TEST_FLOW);

    await resumeUnfinishedBatches({ batches, batchQueue: new InMemoryBatchQueue(), logger: new RecordingLogger() });
    const again = await batches.releaseWindow(batchId, TEST_FLOW);

    expect(again.uploadIds).toEqual(uploadIds.slice(0, 2));
  });
});
