import { TEST_FLOW } from "@pipeline/testkit/fakes";
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { completedOutcome, processingBatch, describeContract, type MakeWorld } from "./ContractWorld.js";

export function describeBatchReaderContract(makeWorld: MakeWorld): void {
  describeContract("BatchReader", makeWorld, (world) => {

    it("pages a batch's uploads by cursor, with no cursor after the last page", async () => {
      const { batchId, uploadIds } = await world().seedBatch({ userId: "reader", uploads: 5 });

      const first = await world().reader.page(batchId, { after: null, limit: 2 });
      const second = await world().reader.page(batchId, { after: first?.nextCursor ?? null, limit: 2 });
      const last = await world().reader.page(batchId, { after: second?.nextCursor ?? null, limit: 2 });

      expect([first, second, last].flatMap((page) => page?.uploads.map((upload) => upload.uploadId))).toEqual(uploadIds);
      expect(first?.nextCursor).toBe(uploadIds[1]);
      expect(last?.nextCursor).toBeNull();
      expect(first?.batch).toMatchObject({ batchId, userId: "reader", status: "pending", total: 5, version: 0, startedAt: null });
      expect(first?.uploads[0]).toMatchObject({ filename: expect.stringMatching(/^photo-\d\.jpg$/), status: "pending", mimeType: "image/jpeg", error: null });
    });

    it("has no cursor when the last page is exactly full", async () => {
      const { batchId } = await world().seedBatch({ userId: "reader", uploads: 2 });

      expect((await world().reader.page(batchId, { after: null, limit: 2 }))?.nextCursor).toBeNull();
    });

    it("answers undefined for an unknown batch", async () => {
      expect(await world().reader.page(randomUUID(), { after: null, limit: 10 })).toBeUndefined();
    });

    it("counts the uploads by state and finds a stored thumbnail with its owner", async () => {
      const { batchId, uploadIds } = await processingBatch(world(), 3);
      const [done, other] = uploadIds as [string, string];
      await world().uploads.recordOutcomes(batchId, [completedOutcome(done)], TEST_FLOW);

      expect(await world().reader.uploadStatusCounts(batchId)).toEqual({ completed: 1, pending: 2 });
      expect(await world().reader.thumbnail(batchId, done)).toEqual({ userId: "contract-user", key: "thumbs/t.jpg" });
      expect(await world().reader.thumbnail(batchId, other)).toBeUndefined();
      expect(await world().reader.thumbnail(randomUUID(), done)).toBeUndefined();
    });

    it("lists only the user's own batches, newest first", async () => {
      const userId = `lister-${randomUUID()}`;
      const older = await world().seedBatch({ userId, uploads: 1 });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const newer = await world().seedBatch({ userId, uploads: 1 });
      await world().seedBatch({ userId: "someone-else", uploads: 1 });

      const views = await world().reader.listForUser(userId, 10);

      expect(views.map((view) => view.batchId)).toEqual([newer.batchId, older.batchId]);
    });
  });
}
