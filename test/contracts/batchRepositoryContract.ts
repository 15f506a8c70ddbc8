import { TEST_FLOW } from "@pipeline/testkit/fakes";
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { batchOf, completedOutcome, failedOutcome, processingBatch, describeContract, type MakeWorld } from "./ContractWorld.js";

export function describeBatchRepositoryContract(makeWorld: MakeWorld): void {
  describeContract("BatchRepository", makeWorld, (world) => {

    it("answers not-found for an unknown batch", async () => {
      expect(await world().batches.startFanOut(randomUUID())).toEqual({ kind: "not-found" });
      expect(await world().batches.statusOf(randomUUID())).toBeUndefined();
    });

    it("claims a pending batch once, correcting its declared total; a repeat resumes", async () => {
      const { batchId } = await world().seedBatch({ userId: "u", uploads: 3, declaredTotal: 5 });

      const first = await world().batches.startFanOut(batchId);
      const second = await world().batches.startFanOut(batchId);

      expect(first).toEqual({ kind: "started", declaredTotal: 5, actualTotal: 3 });
      expect(second).toEqual({ kind: "resumed" });
      expect(await batchOf(world(), batchId)).toMatchObject({ status: "processing", total: 3 });
    });

    it("does not restart a finished batch", async () => {
      const { batchId } = await world().seedBatch({ userId: "u", uploads: 1 });
      await world().controls.cancel(batchId);

      expect(await world().batches.startFanOut(batchId)).toEqual({ kind: "finished", status: "cancelled" });
    });

    it("bumps an unfinished batch's version on every advance and finalizes a complete batch exactly once", async () => {
      const { batchId, uploadIds } = await processingBatch(world(), 2);
      await world().uploads.recordOutcomes(batchId, [completedOutcome(uploadIds[0] ?? "")], TEST_FLOW);
      const before = (await batchOf(world(), batchId)).version;

      const [unfinished] = await world().batches.advanceProgress([batchId]);
      await world().uploads.recordOutcomes(batchId, [failedOutcome(uploadIds[1] ?? "")], TEST_FLOW);
      const [finalizing] = await world().batches.advanceProgress([batchId, randomUUID()]);

      expect(unfinished).toMatchObject({ finalizedNow: false, pushedBefore: false, snapshot: { status: "processing", version: before + 1 } });
      expect(finalizing).toMatchObject({
        finalizedNow: true,
        pushedBefore: false,
        snapshot: { status: "completed", processedUploads: 2, successfulUploads: 1, failedUploads: 1, version: before + 2 },
      });
      expect(finalizing?.finalization?.startedAt).toBeInstanceOf(Date);
    });

    it("leaves a final batch as it is on a later advance, and tells once its final state was recorded as pushed", async () => {
      const { batchId, uploadIds } = await processingBatch(world(), 1);
      await world().uploads.recordOutcomes(batchId, [completedOutcome(uploadIds[0] ?? "")], TEST_FLOW);
      const [finalizing] = await world().batches.advanceProgress([batchId]);
      const final = await batchOf(world(), batchId);

      const [unrecorded] = await world().batches.advanceProgress([batchId]);
      await world().batches.recordFinalPushes([{ batchId, version: final.version }]);
      const [recorded] = await world().batches.advanceProgress([batchId]);

      expect(unrecorded).toEqual({ snapshot: finalizing?.snapshot, finalizedNow: false, pushedBefore: false });
      expect(recorded).toEqual({ snapshot: finalizing?.snapshot, finalizedNow: false, pushedBefore: true });
      expect(await batchOf(world(), batchId)).toEqual(final);
    });

    it("takes an unfinished batch's push as made, and a final state no advance made (an operator's cancel) as not", async () => {
      const { batchId } = await processingBatch(world(), 3);
      await world().batches.advanceProgress([batchId]);
      await world().controls.cancel(batchId);
      const cancelled = await batchOf(world(), batchId);

      const [first] = await world().batches.advanceProgress([batchId]);

      expect(first).toMatchObject({ finalizedNow: false, pushedBefore: false, snapshot: { status: "cancelled", cancelledUploads: 3, version: cancelled.version } });
      expect(await world().maintenance.finalButUnpushed(1000)).toContain(batchId);
    });

    it("reads uploads' states from their rows, each only within the batch named with it", async () => {
      const { batchId, uploadIds } = await processingBatch(world(), 4);
      const [done, failed, staged, idle] = uploadIds as [string, string, string, string];
      const other = await processingBatch(world(), 1);
      await world().uploads.recordOutcomes(batchId, [completedOutcome(done), failedOutcome(failed)], TEST_FLOW);
      await world().stages.save(staged, "embedding", { description: "a photo" });

      const states = await world().batches.uploadStates([
        { batchId, uploadIds: [idle, staged, failed, done, other.uploadIds[0] ?? ""], firstOfBatch: 0 },
        { batchId: randomUUID(), uploadIds: [done], firstOfBatch: 0 },
      ]);

      expect([...states.keys()]).toEqual([batchId]);
      expect(new Map((states.get(batchId) ?? []).map((change) => [change.uploadId, change]))).toEqual(
        new Map([
          [done, { uploadId: done, status: "completed" }],
          [failed, { uploadId: failed, status: "failed", error: "corrupt file" }],
          [staged, { uploadId: staged, status: "embedding", stage: "description" }],
          [idle, { uploadId: idle, status: "pending" }],
        ]),
      );
    });

    it("reads a batch's first uploads in key order after the named ones, each once", async () => {
      const { batchId, uploadIds } = await processingBatch(world(), 4);
      const last = uploadIds[3] ?? "";

      const states = await world().batches.uploadStates([{ batchId, uploadIds: [last], firstOfBatch: 2 }]);

      expect(states.get(batchId)?.map((change) => change.uploadId)).toEqual([last, uploadIds[0], uploadIds[1]]);
    });

    it("leaves an unknown id out of an advance", async () => {
      expect(await world().batches.advanceProgress([randomUUID()])).toEqual([]);
    });

    it("does not finalize a batch with uploads still to count", async () => {
      const { batchId, uploadIds } = await processingBatch(world(), 2);
      await world().uploads.recordOutcomes(batchId, [completedOutcome(uploadIds[0] ?? "")], TEST_FLOW);

      const [advance] = await world().batches.advanceProgress([batchId]);

      expect(advance).toMatchObject({ finalizedNow: false, snapshot: { status: "processing", processedUploads: 1 } });
    });

    it("fails a batch past its failure tolerance, cancelling and counting its remaining uploads", async () => {
      const { batchId, uploadIds } = await processingBatch(world(), 4, { maxFailurePercent: 10 });
      await world().uploads.recordOutcomes(batchId, [failedOutcome(uploadIds[0] ?? "")], TEST_FLOW);

      const [advance] = await world().batches.advanceProgress([batchId]);

      expect(advance).toMatchObject({ finalizedNow: true, snapshot: { status: "failed", processedUploads: 4, failedUploads: 1, cancelledUploads: 3 } });
      expect(await world().reader.uploadStatusCounts(batchId)).toEqual({ failed: 1, cancelled: 3 });
    });

    it("lists pending and processing batches in key order, not finished ones", async () => {
      const pending = await world().seedBatch({ userId: "u", uploads: 1 });
      const processing = await processingBatch(world(), 1);
      const cancelled = await world().seedBatch({ userId: "u", uploads: 1 });
      await world().controls.cancel(cancelled.batchId);

      const ids: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page: string[] = await world().batches.unfinishedBatchIds(after, 2);
        ids.push(...page);
        if (page.length < 2) break;
        after = page.at(-1) ?? null;
      }

      expect(ids).toEqual([...ids].sort());
      expect(ids).toEqual(expect.arrayContaining([pending.batchId, processing.batchId]));
      expect(ids).not.toContain(cancelled.batchId);
    });
  });
}
