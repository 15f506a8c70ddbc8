import { reconcile, type ReconcileOptions } from "@pipeline/core";
import {
  InMemoryBatchMaintenance,
  InMemoryBatchQueue,
  InMemoryBatchRepository,
  InMemoryConnectionNotifier,
  InMemoryConnectionRepository,
  InMemoryDatabase,
  InMemoryDeadLetterInspector,
  InMemoryDeadLetterQueue,
  InMemoryProgressQueue,
  InMemoryUploadQueue,
  InMemoryUploadRepository,
  ManualClock,
  TEST_FLOW,
} from "@pipeline/testkit/fakes";
import { describe, expect, it } from "vitest";
import { RecordingLogger } from "../support/RecordingLogger.js";
import { RecordingMetrics } from "../support/RecordingMetrics.js";

function reconcilerWorld() {
  const clock = new ManualClock();
  const database = new InMemoryDatabase(clock.now);
  const uploadsDeadLetters = new InMemoryDeadLetterQueue("uploads");
  const deps = {
    maintenance: new InMemoryBatchMaintenance(database),
    deadLetters: new InMemoryDeadLetterInspector([uploadsDeadLetters]),
    batchQueue: new InMemoryBatchQueue(),
    uploadQueue: new InMemoryUploadQueue(),
    progressQueue: new InMemoryProgressQueue(),
    connections: new InMemoryConnectionRepository(database),
    notifier: new InMemoryConnectionNotifier(),
    logger: new RecordingLogger(),
    metrics: new RecordingMetrics(),
  };
  const options = (): ReconcileOptions => ({
    now: clock.now(),
    lostAfterSeconds: 300,
    stalledAfterSeconds: 900,
    limit: 100,
    deadLetterPeek: 10,
    connectionSweep: { maxAgeSeconds: 7200, probeAfterSeconds: 600 },
  });
  // As the fan-out starts a batch: claimed, its first window released.
  const startedBatch = async (uploads: number, maxInFlight?: number) => {
    const seeded = database.seedBatch({ userId: "owner", uploads, ...(maxInFlight ? { maxInFlight } : {}) });
    const batches = new InMemoryBatchRepository(database);
    await batches.startFanOut(seeded.batchId);
    await batches.releaseWindow(seeded.batchId, TEST_FLOW);
    return seeded;
  };
  return { clock, database, deps, options, startedBatch, uploadsDeadLetters, uploads: new InMemoryUploadRepository(database) };
}

const completed = (uploadId: string) => ({ uploadId, status: "completed" as const, result: { description: null, thumbnailPath: null, metadata: null, embedding: null } });

describe("reconcile", () => {
  it("re-sends the batch message of a pending batch older than the loss window, once", async () => {
    // Prepare
    const { clock, database, deps, options } = reconcilerWorld();
    const lost = database.seedBatch({ userId: "owner", uploads: 2 });
    clock.advance(301);
    const fresh = database.seedBatch({ userId: "owner", uploads: 1 });

    // Act
    const first = await reconcile(deps, options());
    const second = await reconcile(deps, options());

    // Assess
    expect(first.resentBatches).toEqual([lost.batchId]);
    expect(second.resentBatches).toEqual([]);
    expect(deps.batchQueue.messages).toEqual([{ batchId: lost.batchId }]);
    expect(deps.batchQueue.messages).not.toContainEqual({ batchId: fresh.batchId });
  });

  it("asks the finalizer to finish a batch whose uploads are all counted", async () => {
    const { deps, options, startedBatch, uploads } = reconcilerWorld();
    const { batchId, uploadIds } = await startedBatch(1);
    await uploads.recordOutcomes(batchId, uploadIds.map(completed), TEST_FLOW);

    const report = await reconcile(deps, options());

    expect(report.finalizationRequested).toEqual([batchId]);
    expect(deps.progressQueue.messages).toEqual([{ batchId, changes: [] }]);
  });

  it("asks the finalizer to push a final state no run recorded as pushed (its finalizing run died before pushing)", async () => {
    const { database, deps, options, startedBatch, uploads } = reconcilerWorld();
    const { batchId, uploadIds } = await startedBatch(1);
    await uploads.recordOutcomes(batchId, uploadIds.map(completed), TEST_FLOW);
    const batches = new InMemoryBatchRepository(database);
    const [finalizing] = await batches.advanceProgress([batchId]);

    const report = await reconcile(deps, options());
    await batches.recordFinalPushes([{ batchId, version: finalizing?.snapshot.version ?? 0 }]);
    const again = await reconcile(deps, options());

    expect([report.finalizationRequested, report.finalPushRequested]).toEqual([[], [batchId]]);
    expect(again.finalPushRequested).toEqual([]);
    expect(deps.progressQueue.messages).toEqual([{ batchId, changes: [] }]);
  });

  it("repairs counters that disagree with the uploads, and counts the repair", async () => {
    const { database, deps, options, startedBatch, uploads } = reconcilerWorld();
    const { batchId, uploadIds } = await startedBatch(2);
    await uploads.recordOutcomes(batchId, uploadIds.slice(0, 1).map(completed), TEST_FLOW);
    Object.assign(database.batch(batchId) ?? {}, { processed: 2, successful: 2 });

    const report = await reconcile(deps, options());

    expect(report.repairedCounters).toEqual([
      { batchId, before: { total: 2, processed: 2, successful: 2, failed: 0, cancelled: 0 }, after: { total: 2, processed: 1, successful: 1, failed: 0, cancelled: 0 } },
    ]);
    expect(database.batch(batchId)).toMatchObject({ processed: 1, successful: 1 });
    expect(deps.metrics.counts.get("CountersRepaired")).toBe(1);
  });

  it("re-enqueues the unfinished uploads of a processing batch untouched past the loss window", async () => {
    const { clock, deps, options, startedBatch, uploads } = reconcilerWorld();
    const { batchId, uploadIds } = await startedBatch(3);
    const [done, ...lost] = uploadIds as [string, ...string[]];
    await uploads.recordOutcomes(batchId, [completed(done)], TEST_FLOW);
    clock.advance(301);

    const report = await reconcile(deps, options());

    expect(report.requeuedUploads).toBe(2);
    expect(deps.uploadQueue.messages).toHaveLength(2);
    expect(deps.uploadQueue.messages).toEqual(expect.arrayContaining(lost.map((uploadId) => ({ batchId, uploadId }))));
    expect(deps.metrics.counts.get("UploadsRequeued")).toBe(2);
  });

  it("reports a batch without progress past the stall window, with its dead letters", async () => {
    const { clock, deps, options, startedBatch, uploadsDeadLetters } = reconcilerWorld();
    const { batchId, uploadIds } = await startedBatch(2);
    uploadsDeadLetters.park(JSON.stringify({ batchId, uploadId: uploadIds[0] }), "poison");
    uploadsDeadLetters.park(JSON.stringify({ batchId: "another-batch", uploadId: "u" }), "poison");
    clock.advance(901);

    const report = await reconcile(deps, options());

    expect(report.stalled).toEqual([expect.objectContaining({ batchId, userId: "owner", total: 2, processed: 0, deadLetters: 1 })]);
    expect(deps.metrics.counts.get("StalledBatches")).toBe(1);
    expect(uploadsDeadLetters.visible).toHaveLength(2);
  });

  it("tops up the window of a batch with uploads waiting for release and nothing moving, and leaves a paused one alone", async () => {
    const { clock, database, deps, options, startedBatch } = reconcilerWorld();
    const idle = await startedBatch(3, 1);
    const paused = await startedBatch(3, 1);
    const running = await startedBatch(3, 1);
    database.batch(paused.batchId)!.pausedAt = clock.now();
    clock.advance(301);
    database.batch(running.batchId)!.updatedAt = clock.now();

    const report = await reconcile(deps, options());

    expect(report.toppedUpBatches).toEqual([idle.batchId]);
    expect(deps.batchQueue.messages).toEqual([{ batchId: idle.batchId }]);
  });

  it("sweeps connections whose sockets are gone", async () => {
    const { clock, deps, options } = reconcilerWorld();
    const tokenExpiresAt = new Date(clock.now().getTime() + 60 * 60 * 1000);
    await deps.connections.add({ connectionId: "closed", userId: "owner", tokenExpiresAt });
    await deps.connections.add({ connectionId: "open", userId: "owner", tokenExpiresAt });
    deps.notifier.open.add("open");
    clock.advance(11 * 60);

    const report = await reconcile(deps, options());

    expect(report.sweptConnections).toBe(1);
    expect(await deps.connections.forUsers(["owner"])).toEqual([{ connectionId: "open", userId: "owner" }]);
  });

  it("reports nothing and sends nothing when all is well", async () => {
    const { deps, options, startedBatch } = reconcilerWorld();
    await startedBatch(2);

    const report = await reconcile(deps, options());

    expect(report).toEqual({ resentBatches: [], toppedUpBatches: [], finalizationRequested: [], finalPushRequested: [], repairedCounters: [], requeuedUploads: 0, sweptConnections: 0, stalled: [] });
    expect([deps.batchQueue.messages, deps.uploadQueue.messages, deps.progressQueue.messages]).toEqual([[], [], []]);
  });
});
