import { TEST_FLOW } from "@pipeline/testkit/fakes";
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { batchOf, completedOutcome, failedOutcome, processingBatch, describeContract, type MakeWorld } from "./ContractWorld.js";

export function describeUploadRepositoryContract(makeWorld: MakeWorld): void {
  describeContract("UploadRepository and StageStore", makeWorld, (world) => {

    it("counts each upload once, however often its outcome is recorded", async () => {
      const { batchId, uploadIds } = await processingBatch(world(), 3);
      const [a, b, c] = uploadIds as [string, string, string];

      const first = await world().uploads.recordOutcomes(batchId, [completedOutcome(a), completedOutcome(a), failedOutcome(b)], TEST_FLOW);
      const again = await world().uploads.recordOutcomes(batchId, [completedOutcome(a), failedOutcome(b), completedOutcome(c)], TEST_FLOW);

      expect(first).toMatchObject({ counted: 2, completed: 1, failed: 1 });
      expect(again).toMatchObject({ counted: 1, completed: 1, failed: 0 });
      expect(await batchOf(world(), batchId)).toMatchObject({ processed: 3, successful: 2, failed: 1, cancelled: 0 });
    });

    it("does not count an upload recorded under another batch", async () => {
      const one = await processingBatch(world(), 1);
      const other = await processingBatch(world(), 1);

      const result = await world().uploads.recordOutcomes(other.batchId, [completedOutcome(one.uploadIds[0] ?? "")], TEST_FLOW);

      expect(result).toEqual({ counted: 0, completed: 0, failed: 0, released: { ownerId: expect.any(String), uploadIds: [] } });
      expect(await batchOf(world(), other.batchId)).toMatchObject({ processed: 0 });
      expect(await world().reader.uploadStatusCounts(one.batchId)).toEqual({ pending: 1 });
    });

    it("claims a non-terminal upload of a processing batch, counting its attempts", async () => {
      const { batchId, uploadIds } = await processingBatch(world(), 1);
      const ref = { batchId, uploadId: uploadIds[0] ?? "" };

      const [first] = await world().uploads.claim([ref]);
      const [second] = await world().uploads.claim([ref, ref]);

      expect(first).toMatchObject({ ...ref, kind: "claimed", upload: { id: ref.uploadId, batchId, userId: "contract-user", attempts: 1 } });
      expect(second).toMatchObject({ kind: "claimed", upload: { attempts: 2 } });
      expect(await world().reader.uploadStatusCounts(batchId)).toEqual({ processing: 1 });
    });

    it("refuses to claim a terminal upload, and says why for every other refusal", async () => {
      const { batchId, uploadIds } = await processingBatch(world(), 1);
      const pending = await world().seedBatch({ userId: "u", uploads: 1 });
      const [uploadId] = uploadIds as [string];
      await world().uploads.recordOutcomes(batchId, [failedOutcome(uploadId)], TEST_FLOW);
      const unknownUpload = randomUUID();
      const unknownBatch = randomUUID();

      const claims = await world().uploads.claim([
        { batchId, uploadId },
        { batchId, uploadId: unknownUpload },
        { batchId: unknownBatch, uploadId },
        { batchId: pending.batchId, uploadId },
        { batchId: pending.batchId, uploadId: pending.uploadIds[0] ?? "" },
      ]);

      const byRef = (b: string, u: string) => claims.find((claim) => claim.batchId === b && claim.uploadId === u);
      expect(claims).toHaveLength(5);
      expect(byRef(batchId, uploadId)).toMatchObject({ kind: "terminal", status: "failed" });
      expect(byRef(batchId, unknownUpload)).toMatchObject({ kind: "unknown-upload" });
      expect(byRef(unknownBatch, uploadId)).toMatchObject({ kind: "unknown-batch" });
      expect(byRef(pending.batchId, uploadId)).toMatchObject({ kind: "batch-mismatch", actualBatchId: batchId });
      expect(byRef(pending.batchId, pending.uploadIds[0] ?? "")).toMatchObject({ kind: "batch-not-processing", batchStatus: "pending" });
    });

    it("hands a retry the stage results an earlier attempt stored", async () => {
      const { batchId, uploadIds } = await processingBatch(world(), 1);
      const ref = { batchId, uploadId: uploadIds[0] ?? "" };
      const [fresh] = await world().uploads.claim([ref]);
      await world().stages.save(ref.uploadId, "analyzing", { thumbnailPath: "thumbs/a.jpg", metadata: { width: 640 } });

      const [retry] = await world().uploads.claim([ref]);

      expect(fresh).toMatchObject({ kind: "claimed", upload: { stored: { thumbnailPath: null, metadata: null, description: null, hasEmbedding: false } } });
      expect(retry).toMatchObject({ kind: "claimed", upload: { stored: { thumbnailPath: "thumbs/a.jpg", metadata: { width: 640 }, description: null, hasEmbedding: false } } });
    });

    it("stores no stage result on a terminal upload, and refuses a terminal stage", async () => {
      const { batchId, uploadIds } = await processingBatch(world(), 1);
      const [uploadId] = uploadIds as [string];
      await world().uploads.recordOutcomes(batchId, [completedOutcome(uploadId)], TEST_FLOW);

      await world().stages.save(uploadId, "analyzing", { description: "late" });

      await expect(world().stages.save(uploadId, "completed", {})).rejects.toThrow(RangeError);
      const page = await world().reader.page(batchId, { after: null, limit: 1 });
      expect(page?.uploads[0]).toMatchObject({ status: "completed", description: "a photo", thumbnailPath: "thumbs/t.jpg" });
    });
  });
}
