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
    const sequencer = new InMemoryPushSequencer();
    const logger = new RecordingLogger();
    const deps = { batches, sequencer, connections, notifier, logger };
    const run = (message: ProgressMessage, pushConcurrency = 4) => finalizeProgress(deps, [message], { pushConcurrency });
    const failAll = () =>
      new InMemoryUploadRepository(database).recordOutcomes(batchId, uploadIds.map((uploadId) => ({ uploadId, status: "failed" as const, error: "bad" })), TEST_FLOW);
    const completedVersions = () => notifier.pushes.flatMap(({ connectionId, message }) => (message.type === "batch.completed" ? [[connectionId, message.version]] : []));
    return { database, batches, batchId, uploadIds, run, failAll, completedVersions, notifier, sequencer, logger };
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

  it("pushes nothing more once its push locks are lost, fails, and leaves the final state to the next run", async () => {
    const { batchId, run, failAll, notifier, sequencer, logger } = await world(1);
    await failAll();
    // The locks' session ends while the first push is on its way: the next run may hold the batch now.
    const push = notifier.push.bind(notifier);
    notifier.push = async (connectionId, message) => {
      const outcome = await push(connectionId, message);
      if (notifier.pushes.length === 1) sequencer.loseHolds();
      return outcome;
    };

    const lost = await run({ batchId, changes: [] }, 1).then(() => "finished", (error: Error) => error.name);
    const afterLoss = notifier.pushes.length;
    await run({ batchId, changes: [] });

    expect(lost).toBe("PushHoldLost");
    expect(afterLoss, "the second connection's push withheld").toBe(1);
    expect(logger.matching(/^push order lost/)).toHaveLength(1);
    // Its final state unrecorded, the next run pushes it to both connections, at the same version.
    expect(notifier.pushes.map(({ connectionId, message }) => [connectionId, message.type, "version" in message ? message.version : null])).toEqual([
      ["tab-1", "batch.completed", 1],
      ["tab-1", "batch.completed", 1],
      ["tab-2", "batch.completed", 1],
    ]);
  });
});
