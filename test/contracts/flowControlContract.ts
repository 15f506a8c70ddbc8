import { randomUUID } from "node:crypto";
import type { FlowPolicy } from "@pipeline/core";
import { expect, it } from "vitest";
import { batchOf, completedOutcome, describeContract, type ContractWorld, type MakeWorld } from "./ContractWorld.js";

const FLOW: FlowPolicy = { defaultMaxInFlight: 3, bulkShareWhileInteractive: 0.25, releaseLeaseSeconds: 60 };

/** A batch the fan-out started, with its first window released. */
async function started(world: ContractWorld, uploads: number, extra: { priority?: "interactive" | "bulk"; maxInFlight?: number; userId?: string } = {}) {
  const seeded = await world.seedBatch({ userId: extra.userId ?? "flow-user", uploads, ...extra });
  await world.batches.startFanOut(seeded.batchId);
  const first = await world.batches.releaseWindow(seeded.batchId, FLOW);
  return { ...seeded, first: first.uploadIds };
}

const done = (ids: readonly string[]) => ids.map(completedOutcome);

// Flow control (docs/design.md, "Flow control"): a batch's uploads are released a window at a time.
export function describeFlowControlContract(makeWorld: MakeWorld): void {
  describeContract("Flow control", makeWorld, (world) => {
    it("releases a batch's first window in key order, and tops it up only by the room that finishing uploads make", async () => {
      const { batchId, uploadIds, first } = await started(world(), 8);

      const full = await world().batches.releaseWindow(batchId, FLOW);
      const refill = await world().uploads.recordOutcomes(batchId, done(first.slice(0, 2)), FLOW);

      expect(first).toEqual(uploadIds.slice(0, 3));
      expect(full.uploadIds).toEqual([]);
      expect(refill).toMatchObject({ counted: 2, released: { ownerId: "flow-user", uploadIds: uploadIds.slice(3, 5) } });
    });

    it("releases nothing for a pending, paused or final batch", async () => {
      const pending = await world().seedBatch({ userId: "flow-user", uploads: 2 });
      const paused = await world().seedBatch({ userId: "flow-user", uploads: 2 });
      await world().controls.pause(paused.batchId);
      await world().batches.startFanOut(paused.batchId);
      const cancelled = await started(world(), 2);
      await world().controls.cancel(cancelled.batchId);

      for (const batchId of [pending.batchId, paused.batchId, cancelled.batchId]) {
        expect((await world().batches.releaseWindow(batchId, FLOW)).uploadIds).toEqual([]);
      }
    });

    it("holds a paused batch's released uploads instead of starting them, and releases them first on resume", async () => {
      const { batchId, uploadIds, first } = await started(world(), 6);
      expect(await world().controls.pause(batchId)).toMatchObject({ kind: "applied", changed: true, paused: true });

      const claims = await world().uploads.claim(first.map((uploadId) => ({ batchId, uploadId })));
      const whilePaused = await world().batches.releaseWindow(batchId, FLOW);
      expect(await world().controls.resume(batchId)).toMatchObject({ kind: "applied", changed: true, paused: false });
      const onResume = await world().batches.releaseWindow(batchId, FLOW);

      expect(claims.map((claim) => claim.kind)).toEqual(["batch-paused", "batch-paused", "batch-paused"]);
      expect(whilePaused.uploadIds).toEqual([]);
      expect([...onResume.uploadIds].sort()).toEqual(uploadIds.slice(0, 3));
      expect((await world().batches.releaseWindow(batchId, FLOW)).uploadIds).toEqual([]);
    });

    it("lets a paused batch's uploads in progress finish and count, releasing nothing after them", async () => {
      const { batchId, first } = await started(world(), 6);
      await world().uploads.claim(first.map((uploadId) => ({ batchId, uploadId })));
      await world().controls.pause(batchId);

      const recorded = await world().uploads.recordOutcomes(batchId, done(first), FLOW);

      expect(recorded).toMatchObject({ counted: 3, released: { uploadIds: [] } });
      expect(await batchOf(world(), batchId)).toMatchObject({ processed: 3, paused: true, status: "processing", secondsLeft: null });
    });

    it("fills a larger window at the next release, and releases nothing past a smaller one until enough finish", async () => {
      const { batchId, uploadIds, first } = await started(world(), 10);

      expect(await world().controls.changeFlow(batchId, { maxInFlight: 5 })).toMatchObject({ kind: "applied", changed: true, maxInFlight: 5 });
      const widened = await world().batches.releaseWindow(batchId, FLOW);
      await world().controls.changeFlow(batchId, { maxInFlight: 1 });
      const narrowed = await world().uploads.recordOutcomes(batchId, done(first.slice(0, 1)), FLOW);
      await world().controls.changeFlow(batchId, { maxInFlight: null });
      const backToDefault = await world().uploads.recordOutcomes(batchId, done([...first.slice(1), ...widened.uploadIds]), FLOW);

      expect(widened.uploadIds).toEqual(uploadIds.slice(3, 5));
      expect(narrowed.released.uploadIds).toEqual([]);
      // Nothing left in flight: the default window of 3 is released whole.
      expect(backToDefault.released.uploadIds).toEqual(uploadIds.slice(5, 8));
      expect(await batchOf(world(), batchId)).toMatchObject({ maxInFlight: null });
    });

    it("shrinks a bulk batch's window while an interactive batch runs, and gives it back when the batch turns interactive", async () => {
      await started(world(), 2, { priority: "interactive" });
      const bulk = await started(world(), 20, { priority: "bulk", maxInFlight: 8 });

      const asInteractive = await world().controls.changeFlow(bulk.batchId, { priority: "interactive" });
      const topUp = await world().batches.releaseWindow(bulk.batchId, FLOW);

      // 8 × 0.25.
      expect(bulk.first).toEqual(bulk.uploadIds.slice(0, 2));
      expect(asInteractive).toMatchObject({ kind: "applied", changed: true, priority: "interactive" });
      expect(topUp.uploadIds).toEqual(bulk.uploadIds.slice(2, 8));
    });

    it("releases held uploads (a refill that could not be sent) before the window moves on", async () => {
      const { batchId, uploadIds, first } = await started(world(), 6);
      await world().uploads.hold(batchId, first.slice(1, 3));

      const again = await world().batches.releaseWindow(batchId, FLOW);

      expect([...again.uploadIds].sort()).toEqual(uploadIds.slice(1, 3));
    });

    it("leaves lost uploads to the fan-out's release: an outcome commit counts them in flight, and refills only what it finished", async () => {
      const { batchId, uploadIds, first } = await started(world(), 8);
      const [finished, ...lost] = first as [string, ...string[]];
      await world().ageUploads(batchId, 61);

      const refill = await world().uploads.recordOutcomes(batchId, done([finished]), FLOW);
      const topUp = await world().batches.releaseWindow(batchId, FLOW);

      expect(refill.released.uploadIds).toEqual([uploadIds[3]]);
      expect(topUp.uploadIds).toEqual(lost);
    });

    it("releases again, first, a released upload not started within the lease (its message was lost), and not one being processed", async () => {
      const { batchId, uploadIds, first } = await started(world(), 8);
      const [processing, ...unstarted] = first as [string, ...string[]];
      await world().uploads.claim([{ batchId, uploadId: processing }]);

      const withinLease = await world().batches.releaseWindow(batchId, FLOW);
      await world().ageUploads(batchId, 61);
      const afterLease = await world().batches.releaseWindow(batchId, FLOW);
      const renewed = await world().batches.releaseWindow(batchId, FLOW);

      expect(withinLease.uploadIds).toEqual([]);
      // The two unstarted ones again (their lease renewed), and no fresh one: the one processing still counts.
      expect([...afterLease.uploadIds].sort()).toEqual([...unstarted].sort());
      expect(afterLease.uploadIds).not.toContain(uploadIds[3]);
      expect(renewed.uploadIds).toEqual([]);
    });

    it("holds a whole window whose messages were lost, so the next release sends it again", async () => {
      const { batchId, first } = await started(world(), 6);

      await world().batches.holdWindow(batchId);
      const again = await world().batches.releaseWindow(batchId, FLOW);

      expect([...again.uploadIds].sort()).toEqual([...first].sort());
    });

    it("says when pause, resume or a flow change found the batch as asked, and refuses final batches", async () => {
      const { batchId } = await started(world(), 2);

      await world().controls.pause(batchId);
      const again = await world().controls.pause(batchId);
      const unchanged = await world().controls.changeFlow(batchId, { priority: "interactive" });
      await world().controls.cancel(batchId);

      expect(again).toMatchObject({ kind: "applied", changed: false, paused: true });
      expect(unchanged).toMatchObject({ kind: "applied", changed: false });
      expect(await world().controls.resume(batchId)).toEqual({ kind: "already-final", status: "cancelled" });
      expect(await world().controls.pause(randomUUID())).toEqual({ kind: "not-found" });
    });

    it("scopes the owner's controls to the owner's batches: another user's batch is not found and stays as it was", async () => {
      const { batchId } = await started(world(), 3, { userId: "owner-a" });
      const scope = { ownerId: "owner-b" };

      expect(await world().controls.pause(batchId, scope)).toEqual({ kind: "not-found" });
      expect(await world().controls.changeFlow(batchId, { maxInFlight: 1 }, scope)).toEqual({ kind: "not-found" });
      expect(await world().controls.cancel(batchId, scope)).toEqual({ kind: "not-found" });
      expect(await batchOf(world(), batchId)).toMatchObject({ status: "processing", paused: false, maxInFlight: null });

      expect(await world().controls.cancel(batchId, { ownerId: "owner-a" })).toMatchObject({ kind: "cancelled" });
      expect(await batchOf(world(), batchId)).toMatchObject({ status: "cancelled", errorMessage: "cancelled by its owner" });
    });

    it("re-sends only released uploads as lost, tops up idle windows, and does not report a paused batch stalled", async () => {
      const later = new Date(Date.now() + 60_000);
      const { batchId, first } = await started(world(), 5);
      const paused = await started(world(), 2);
      await world().controls.pause(paused.batchId);

      const lost = (await world().maintenance.claimLostUploads(later, 1000)).filter((ref) => ref.batchId === batchId);
      const idle = await world().maintenance.claimIdleWindows(later, 1000);
      const stalled = (await world().maintenance.stalled(later, 1000)).map((batch) => batch.batchId);

      expect(lost.map((ref) => ref.uploadId).sort()).toEqual([...first].sort());
      expect(idle).toContain(batchId);
      expect(idle).not.toContain(paused.batchId);
      expect(stalled).toContain(batchId);
      expect(stalled).not.toContain(paused.batchId);
    });
  });
}
