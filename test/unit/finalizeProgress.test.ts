import { finalizeProgress, type ProgressMessage } from "@pipeline/core";
import {
  InMemoryBatchControls,
  InMemoryBatchRepository,
  InMemoryConnectionNotifier,
  InMemoryConnectionRepository,
  InMemoryDatabase,
  InMemoryPushSequencer,
  InMemoryUploadRepository,
  TEST_FLOW,
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
    for (const connectionId of ["tab-1", "tab-2"]) await connections.add({ connectionId, userId: "owner", tokenExpiresAt: new Date(Date.now() + 60 * 60 * 1000) });
    const notifier = new InMemoryConnectionNotifier(new Set(["tab-1", "tab-2"]));
    const deps = { batches, sequencer: new InMemoryPushSequencer(), connections, notifier, logger: new RecordingLogger() };
    const run = (message: ProgressMessage) => finalizeProgress(deps, [message], { pushConcurrency: 4 });
    const failAll = () =>
      new InMemoryUploadRepository(database).recordOutcomes(batchId, uploadIds.map((uploadId) => ({ uploadId, status: "failed" as const, error: "bad" })), TEST_FLOW);
    const completedVersions = () => notifier.pushes.flatMap(({ connectionId, message }) => (message.type === "batch.completed" ? [[connectionId, message.version]] : []));
    return { database, batches, batchId, uploadIds, run, failAll, completedVersions, notifier };
  }

  it("pushes batch.completed once per connection, from the run that finalized the batch, however many messages follow", async () => {
    const { batchId, uploadIds, run, failAll, completedVersions, notifier, database } = await world(2);
    await failAll();

    const finalizing = await run({ batchId, changes: [{ uploadId: uploadIds[0] ?? "", status: "failed", error: "bad" }] });
    for (const uploadId of uploadIds) await run({ batchId, changes: [{ uploadId, status: "failed", error: "bad" }] });
    await run({ batchId, changes: [{ uploadId: uploadIds[1] ?? "", status: "processing", stage: "thumbnail" }] });

    expect(finalizing.finalized).toEqual([batchId]);
    expect(completedVersions()).toEqual([
      ["tab-1", 1],
      ["tab-2", 1],
    ]);
    expect(notifier.pushes.filter(({ message }) => message.type === "upload.progress")).toEqual([]);
    expect(database.batch(batchId)?.version).toBe(1);
  });

  it("pushes the final state again, at its version, when the run that finalized the batch stopped before its pushes", async () => {
    const { batches, batchId, run, failAll, completedVersions } = await world(1);
    await failAll();
    // The finalizing run: its statement committed, then it died.
    await batches.advanceProgress([batchId]);

    await run({ batchId, changes: [] });
    await run({ batchId, changes: [] });

    expect(completedVersions()).toEqual([
      ["tab-1", 1],
      ["tab-2", 1],
    ]);
  });

  it("pushes an operator's cancel once, at the cancel's version", async () => {
    const { database, batchId, run, notifier } = await world(3);
    await run({ batchId, changes: [] });
    await new InMemoryBatchControls(database).cancel(batchId);
    const cancelVersion = database.batch(batchId)?.version;

    await run({ batchId, changes: [] });
    await run({ batchId, changes: [] });

    expect(notifier.pushes.map(({ message }) => message.type)).toEqual(["batch.progress", "batch.progress", "batch.completed", "batch.completed"]);
    expect(notifier.pushes.at(-1)?.message).toMatchObject({ status: "cancelled", cancelled: 3, version: cancelVersion });
  });
});
