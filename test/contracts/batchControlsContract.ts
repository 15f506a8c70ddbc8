import { TEST_FLOW } from "@pipeline/testkit/fakes";
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { batchOf, completedOutcome, failedOutcome, processingBatch, describeContract, type MakeWorld } from "./ContractWorld.js";

export function describeBatchControlsContract(makeWorld: MakeWorld): void {
  describeContract("BatchControls", makeWorld, (world) => {

    it("answers not-found for an unknown batch", async () => {
      expect(await world().controls.cancel(randomUUID())).toEqual({ kind: "not-found" });
      expect(await world().controls.retryFailed(randomUUID())).toEqual({ kind: "not-found" });
    });

    it("cancels the unfinished uploads and counts them; a second cancel finds the batch final", async () => {
      const { batchId, uploadIds } = await processingBatch(world(), 3);
      await world().uploads.recordOutcomes(batchId, [completedOutcome(uploadIds[0] ?? "")], TEST_FLOW);
      const version = (await batchOf(world(), batchId)).version;

      const first = await world().controls.cancel(batchId);
      const second = await world().controls.cancel(batchId);

      expect(first).toEqual({ kind: "cancelled", cancelledUploads: 2 });
      expect(second).toEqual({ kind: "already-final", status: "cancelled" });
      expect(await batchOf(world(), batchId)).toMatchObject({ status: "cancelled", processed: 3, successful: 1, cancelled: 2, version: version + 1 });
      expect(await world().reader.uploadStatusCounts(batchId)).toEqual({ completed: 1, cancelled: 2 });
    });

    it("sends failed uploads back to pending and takes them off the counters", async () => {
      const { batchId, uploadIds } = await processingBatch(world(), 3);
      await world().uploads.recordOutcomes(batchId, [completedOutcome(uploadIds[0] ?? ""), failedOutcome(uploadIds[1] ?? ""), failedOutcome(uploadIds[2] ?? "")], TEST_FLOW);
      await world().batches.advanceProgress([batchId]);

      const outcome = await world().controls.retryFailed(batchId);

      expect(outcome).toEqual({ kind: "retried", uploads: 2 });
      expect(await batchOf(world(), batchId)).toMatchObject({ status: "processing", processed: 1, successful: 1, failed: 0, completedAt: null, errorMessage: null });
      expect(await world().reader.uploadStatusCounts(batchId)).toEqual({ completed: 1, pending: 2 });
    });

    it("brings back the uploads a failure tolerance cancelled, not those an operator cancelled", async () => {
      const tolerated = await processingBatch(world(), 3, { maxFailurePercent: 10 });
      await world().uploads.recordOutcomes(tolerated.batchId, [failedOutcome(tolerated.uploadIds[0] ?? "")], TEST_FLOW);
      await world().batches.advanceProgress([tolerated.batchId]);

      const outcome = await world().controls.retryFailed(tolerated.batchId);

      expect(outcome).toEqual({ kind: "retried", uploads: 3 });
      expect(await batchOf(world(), tolerated.batchId)).toMatchObject({ status: "processing", processed: 0, failed: 0, cancelled: 0 });
    });

    it("retries nothing in a pending or cancelled batch, and nothing where none failed", async () => {
      const pending = await world().seedBatch({ userId: "u", uploads: 1 });
      const cancelled = await processingBatch(world(), 1);
      await world().controls.cancel(cancelled.batchId);
      const healthy = await processingBatch(world(), 1);

      expect(await world().controls.retryFailed(pending.batchId)).toEqual({ kind: "not-retryable", status: "pending" });
      expect(await world().controls.retryFailed(cancelled.batchId)).toEqual({ kind: "not-retryable", status: "cancelled" });
      expect(await world().controls.retryFailed(healthy.batchId)).toEqual({ kind: "retried", uploads: 0 });
    });
  });
}
