import { finalizeProgress, type ProgressMessage } from "@pipeline/core";
import {
  InMemoryBatchControls,
  InMemoryBatchRepository,
  InMemoryConnectionNotifier,
  InMemoryConnectionRepository,
  InMemoryDatabase,
  InMemoryPushSequencer,
  InMemoryUploadRepository,
} from "@pipeline/testkit/fakes";
import { describe, expect, it } from "vitest";
import { RecordingLogger } from "../support/RecordingLogger.js";

describe("finalizeProgress: which runs push a final batch", () => {
  async function world(uploads: number) {
    const database = new InMemoryDatabase();
    const { batchId, uploadIds } = database.seedBatch({ userId: "owner", uploads });
    const batches = new InMemoryBatchRepository(database);
    await batches.startFanOut(batchId);
    const connections = new InMemoryConnectionRepository(database);
    for (const connectionId of ["tab-1", "tab-2"]) await connections.add({ connectionId, userId: "owner" });
    const notifier = new InMemoryConnectionNotifier(new Set(["tab-1", "tab-2"]));
    const deps = { batches, sequencer: new InMemoryPushSequencer(), connections, notifier, logger: new RecordingLogger() };
    const run = (message: ProgressMessage, delivery: { receiveCount?: number; requeues?: number } = {}) =>
      finalizeProgress(deps, [{ message, receiveCount: delivery.receiveCount ?? 1, requeues: delivery.requeues ?? 0 }], { pushConcurrency: 4 });
    const completeAll = () =>
      new InMemoryUploadRepository(database).recordOutcomes(batchId, uploadIds.map((uploadId) => ({ uploadId, status: "failed" as const, error: "bad" })));
    const pushed = (type: string) => notifier.pushes.filter((push) => push.message.type === type);
    return { database, batchId, uploadIds, run, completeAll, pushed, notifier };
  }

  it("pushes batch.completed once per connection, from the run that finalized the batch, however many messages follow", async () => {
    const { batchId, uploadIds, run, completeAll, pushed, database } = await world(2);
    await completeAll();

    const finalizing = await run({ batchId, changes: [{ uploadId: uploadIds[0] ?? "", status: "failed", error: "bad" }] });
    for (const uploadId of uploadIds) await run({ batchId, changes: [{ uploadId, status: "failed", error: "bad" }] });
    await run({ batchId, changes: [{ uploadId: uploadIds[1] ?? "", status: "processing", stage: "thumbnail" }] });

    expect(finalizing.finalized).toEqual([batchId]);
    expect(pushed("batch.completed").map((push) => [push.connectionId, push.message.type === "batch.completed" && push.message.version])).toEqual([
      ["tab-1", 1],
      ["tab-2", 1],
    ]);
    expect(pushed("upload.progress")).toEqual([]);
    expect(database.batch(batchId)?.version).toBe(1);
  });

  it("pushes the final state again, at its version, for a message delivered before or requeued", async () => {
    const { batchId, run, completeAll, pushed } = await world(1);
    await completeAll();
    await run({ batchId, changes: [] });

    await run({ batchId, changes: [] }, { receiveCount: 2 });
    await run({ batchId, changes: [] }, { requeues: 1 });

    expect(pushed("batch.completed").map((push) => push.message.type === "batch.completed" && push.message.version)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it("pushes an operator's cancel once, at the cancel's version", async () => {
    const { database, batchId, run, pushed } = await world(3);
    await run({ batchId, changes: [] });
    await new InMemoryBatchControls(database).cancel(batchId);
    const cancelVersion = database.batch(batchId)?.version;

    await run({ batchId, changes: [] });
    await run({ batchId, changes: [] });

    expect(pushed("batch.progress")).toHaveLength(2);
    expect(pushed("batch.completed").map((push) => push.message)).toEqual([
      expect.objectContaining({ status: "cancelled", cancelled: 3, version: cancelVersion }),
      expect.objectContaining({ status: "cancelled", cancelled: 3, version: cancelVersion }),
    ]);
  });
});
