import { TEST_FLOW } from "@pipeline/testkit/fakes";
import { expect, it } from "vitest";
import { batchOf, completedOutcome, processingBatch, describeContract, type MakeWorld } from "./ContractWorld.js";

const inAnHour = () => new Date(Date.now() + 60 * 60 * 1000);
const anHourAgo = () => new Date(Date.now() - 60 * 60 * 1000);

export function describeBatchMaintenanceContract(makeWorld: MakeWorld): void {
  describeContract("BatchMaintenance", makeWorld, (world) => {

    it("claims a pending batch untouched since the cutoff, and not a fresher one", async () => {
      const { batchId } = await world().seedBatch({ userId: "u", uploads: 1 });

      const fresh = await world().maintenance.claimStalePending(anHourAgo(), 1000);
      const stale = await world().maintenance.claimStalePending(inAnHour(), 1000);

      expect(fresh).not.toContain(batchId);
      expect(stale).toContain(batchId);
    });

    it("finds a processing batch whose uploads are all counted", async () => {
      const { batchId, uploadIds } = await processingBatch(world(), 1);
      const before = await world().maintenance.completeButUnfinalized(1000);
      await world().uploads.recordOutcomes(batchId, [completedOutcome(uploadIds[0] ?? "")], TEST_FLOW);

      expect(before).not.toContain(batchId);
      expect(await world().maintenance.completeButUnfinalized(1000)).toContain(batchId);
    });

    it("finds a final batch until its final state is recorded as pushed", async () => {
      const { batchId, uploadIds } = await processingBatch(world(), 1);
      await world().uploads.recordOutcomes(batchId, [completedOutcome(uploadIds[0] ?? "")], TEST_FLOW);
      const processing = await world().maintenance.finalButUnpushed(1000);
      const [finalizing] = await world().batches.advanceProgress([batchId]);

      const unpushed = await world().maintenance.finalButUnpushed(1000);
      await world().batches.recordFinalPushes([{ batchId, version: finalizing?.snapshot.version ?? 0 }]);

      expect(processing).not.toContain(batchId);
      expect(unpushed).toContain(batchId);
      expect(await world().maintenance.finalButUnpushed(1000)).not.toContain(batchId);
    });

    it("re-counts a batch whose counters drifted from its uploads, and bumps its version", async () => {
      const { batchId, uploadIds } = await processingBatch(world(), 2);
      await world().uploads.recordOutcomes(batchId, [completedOutcome(uploadIds[0] ?? "")], TEST_FLOW);
      await world().zeroCounters(batchId);
      const version = (await batchOf(world(), batchId)).version;

      const repairs = await world().maintenance.repairCounters(1000);
      const again = await world().maintenance.repairCounters(1000);

      expect(repairs.find((repair) => repair.batchId === batchId)).toEqual({
        batchId,
        before: { total: 2, processed: 0, successful: 0, failed: 0, cancelled: 0 },
        after: { total: 2, processed: 1, successful: 1, failed: 0, cancelled: 0 },
      });
      expect(again.map((repair) => repair.batchId)).not.toContain(batchId);
      expect(await batchOf(world(), batchId)).toMatchObject({ processed: 1, successful: 1, version: version + 1 });
    });

    it("claims the unfinished uploads of processing batches, never terminal ones", async () => {
      const { batchId, uploadIds } = await processingBatch(world(), 2);
      const [done, lost] = uploadIds as [string, string];
      await world().uploads.recordOutcomes(batchId, [completedOutcome(done)], TEST_FLOW);

      const refs = await world().maintenance.claimLostUploads(inAnHour(), 1000);

      const mine = refs.filter((ref) => ref.batchId === batchId);
      expect(mine).toEqual([{ batchId, uploadId: lost }]);
    });

    it("reports a processing batch without progress since the cutoff as stalled", async () => {
      const { batchId } = await processingBatch(world(), 3);

      const recent = await world().maintenance.stalled(anHourAgo(), 1000);
      const stalled = await world().maintenance.stalled(inAnHour(), 1000);

      expect(recent.map((batch) => batch.batchId)).not.toContain(batchId);
      const report = stalled.find((batch) => batch.batchId === batchId);
      expect(report).toMatchObject({ userId: "contract-user", total: 3, processed: 0 });
      expect(report?.lastChangeAt).toBeInstanceOf(Date);
    });
  });
}
