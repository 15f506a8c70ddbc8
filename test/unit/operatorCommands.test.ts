import { cancelBatch, redriveDeadLetters, retryFailedUploads } from "@pipeline/core";
import { InMemoryBatchControls, InMemoryBatchQueue, InMemoryBatchRepository, InMemoryDatabase, InMemoryDeadLetterQueue, InMemoryProgressQueue, InMemoryUploadRepository, TEST_FLOW } from "@pipeline/testkit/fakes";
import { describe, expect, it } from "vitest";
import { RecordingLogger } from "../support/RecordingLogger.js";

function operatorWorld() {
  const database = new InMemoryDatabase();
  const deps = { controls: new InMemoryBatchControls(database), progressQueue: new InMemoryProgressQueue(), batchQueue: new InMemoryBatchQueue(), logger: new RecordingLogger() };
  const uploads = new InMemoryUploadRepository(database);
  const startedBatch = async (count: number) => {
    const seeded = database.seedBatch({ userId: "owner", uploads: count });
    await new InMemoryBatchRepository(database).startFanOut(seeded.batchId);
    return seeded;
  };
  return { database, deps, uploads, startedBatch };
}

describe("cancelBatch", () => {
  it("cancels the unfinished uploads, then asks the finalizer to push the final state", async () => {
    // Prepare
    const { database, deps, startedBatch } = operatorWorld();
    const { batchId } = await startedBatch(2);

    // Act
    const outcome = await cancelBatch(deps, batchId);

    // Assess
    expect(outcome).toEqual({ kind: "cancelled", cancelledUploads: 2 });
    expect(database.batch(batchId)).toMatchObject({ status: "cancelled", processed: 2, cancelled: 2 });
    expect(deps.progressQueue.messages).toEqual([{ batchId, changes: [] }]);
  });

  it("sends nothing for a batch already final or unknown", async () => {
    const { deps, startedBatch } = operatorWorld();
    const { batchId } = await startedBatch(1);
    await cancelBatch(deps, batchId);

    const again = await cancelBatch(deps, batchId);
    const unknown = await cancelBatch(deps, "no-such-batch");

    expect([again, unknown]).toEqual([{ kind: "already-final", status: "cancelled" }, { kind: "not-found" }]);
    expect(deps.progressQueue.messages).toHaveLength(1);
  });

  it("does not report a cancel whose progress message could not be sent as done", async () => {
    const { deps, startedBatch } = operatorWorld();
    const { batchId } = await startedBatch(1);
    deps.progressQueue.unreachable = new Error("queue down");

    await expect(cancelBatch(deps, batchId)).rejects.toThrow("queue down");
  });
});

describe("retryFailedUploads", () => {
  it("puts failed uploads back and sends a batch message so the fan-out re-sends them", async () => {
    const { database, deps, uploads, startedBatch } = operatorWorld();
    const { batchId, uploadIds } = await startedBatch(2);
    await uploads.recordOutcomes(batchId, uploadIds.map((uploadId) => ({ uploadId, status: "failed" as const, error: "boom" })), TEST_FLOW);

    const outcome = await retryFailedUploads(deps, batchId);

    expect(outcome).toEqual({ kind: "retried", uploads: 2 });
    expect(database.batch(batchId)).toMatchObject({ status: "processing", processed: 0, failed: 0 });
    expect(deps.batchQueue.messages).toEqual([{ batchId }]);
  });

  it("sends no batch message when nothing was retried", async () => {
    const { database, deps, startedBatch } = operatorWorld();
    const healthy = await startedBatch(1);
    const pending = database.seedBatch({ userId: "owner", uploads: 1 });

    const outcomes = [await retryFailedUploads(deps, healthy.batchId), await retryFailedUploads(deps, pending.batchId), await retryFailedUploads(deps, "no-such-batch")];

    expect(outcomes).toEqual([{ kind: "retried", uploads: 0 }, { kind: "not-retryable", status: "pending" }, { kind: "not-found" }]);
    expect(deps.batchQueue.messages).toEqual([]);
  });
});

describe("redriveDeadLetters", () => {
  function deadLettersOf(batches: string[]) {
    const queue = new InMemoryDeadLetterQueue("uploads");
    for (const batchId of batches) queue.park(JSON.stringify({ batchId, uploadId: `${batchId}-upload` }), "poison");
    return queue;
  }

  it("moves every message back to its source queue", async () => {
    const queue = deadLettersOf(["a", "b", "c"]);
    const moved: number[] = [];

    const report = await redriveDeadLetters(queue, new RecordingLogger(), { onMoved: (count) => moved.push(count) });

    expect(report).toEqual({ moved: 3, skipped: 0, lapsed: [], notDeleted: [] });
    expect(queue.source.map((body) => JSON.parse(body).batchId)).toEqual(["a", "b", "c"]);
    expect(queue.remaining).toEqual([]);
    expect(moved).toEqual([1, 2, 3]);
  });

  it("moves only the chosen batch's messages and leaves the others visible", async () => {
    const queue = deadLettersOf(["a", "b", "a", "c"]);

    const report = await redriveDeadLetters(queue, new RecordingLogger(), { batchId: "a" });

    expect(report).toEqual({ moved: 2, skipped: 2, lapsed: [], notDeleted: [] });
    expect(queue.remaining.map((message) => message.batchId)).toEqual(["b", "c"]);
    expect(queue.visible).toHaveLength(2);
  });

  it("stops at the maximum and releases the rest", async () => {
    const queue = deadLettersOf(Array.from({ length: 15 }, (_, index) => `batch-${index}`));

    const report = await redriveDeadLetters(queue, new RecordingLogger(), { max: 12 });

    expect(report.moved).toBe(12);
    expect(queue.remaining).toHaveLength(3);
    expect(queue.visible).toHaveLength(3);
  });

  it("spaces the sends at the requested rate", async () => {
    const queue = deadLettersOf(["a", "b", "c"]);
    const sleeps: number[] = [];
    let clock = Date.now() + 1;

    await redriveDeadLetters(queue, new RecordingLogger(), { ratePerSecond: 2, waitSeconds: 0, now: () => clock, sleep: async (millis) => void (sleeps.push(millis), (clock += millis)) });

    expect(sleeps).toEqual([500, 500]);
  });
});
