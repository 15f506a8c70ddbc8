import { describe, expect, it } from "vitest";
import type { BatchSnapshot } from "../batch/BatchSnapshot.js";
import type { ProgressAdvance } from "../ports/BatchRepository.js";
import type { UploadChange } from "../upload/types.js";
import { batchPushes } from "./batchPushes.js";

const BATCH = "00000000-0000-4000-8000-00000000000a";
const U1 = "00000000-0000-4000-8000-000000000001";
const U2 = "00000000-0000-4000-8000-000000000002";

const processing: BatchSnapshot = {
  id: BATCH,
  userId: "owner",
  status: "processing",
  totalUploads: 2,
  processedUploads: 1,
  successfulUploads: 1,
  failedUploads: 0,
  cancelledUploads: 0,
  version: 4,
  priority: "interactive",
  maxInFlight: null,
  paused: false,
  activeMillis: 2_000,
};
const completed: BatchSnapshot = { ...processing, status: "completed", processedUploads: 2, successfulUploads: 2, version: 5 };

const outcome: UploadChange = { uploadId: U1, status: "completed" };
const stage: UploadChange = { uploadId: U2, status: "processing", stage: "thumbnail" };

function advance(snapshot: BatchSnapshot, extra: Partial<ProgressAdvance> = {}): ProgressAdvance {
  return { snapshot, pushedBefore: false, finalizedNow: false, ...extra };
}

describe("batchPushes", () => {
  it("carries how the batch flows: paused, priority, window, and the time left at its rate", () => {
    const [running] = batchPushes(advance({ ...processing, totalUploads: 10, processedUploads: 4, activeMillis: 8_000 }), []);
    const [paused] = batchPushes(advance({ ...processing, totalUploads: 10, processedUploads: 4, activeMillis: 8_000, paused: true, maxInFlight: 5 }), []);

    // 4 uploads in 8 s: 2 s an upload, 6 left.
    expect(running).toMatchObject({ paused: false, priority: "interactive", maxInFlight: null, secondsLeft: 12 });
    expect(paused).toMatchObject({ paused: true, maxInFlight: 5, secondsLeft: null });
  });

  it("pushes an unfinished batch's counters with its outcomes, and its stages beside them at the same version", () => {
    const pushes = batchPushes(advance(processing), [outcome, stage]);

    expect(pushes).toEqual([
      expect.objectContaining({ type: "batch.progress", batchId: BATCH, version: 4, processed: 1, changes: [outcome] }),
      { type: "upload.progress", batchId: BATCH, version: 4, uploads: [stage] },
    ]);
  });

  it("pushes batch.completed from the run that finalized the batch, without stale stages", () => {
    const pushes = batchPushes(advance(completed, { finalizedNow: true }), [outcome, stage]);

    expect(pushes).toEqual([expect.objectContaining({ type: "batch.completed", version: 5, status: "completed", processed: 2, changes: [outcome] })]);
  });

  it.each([
    ["an operator's cancel", { ...processing, status: "cancelled", processedUploads: 2, cancelledUploads: 1, version: 5 } satisfies BatchSnapshot],
    ["a batch whose finalizing run stopped before its pushes", completed],
  ])("pushes a final state no run recorded as pushed: %s", (_name, snapshot) => {
    expect(batchPushes(advance(snapshot), [outcome])).toEqual([
      expect.objectContaining({ type: "batch.completed", status: snapshot.status, version: 5, changes: [outcome] }),
    ]);
  });

  it("pushes nothing for a late message of a batch whose final state was recorded as pushed", () => {
    expect(batchPushes(advance(completed, { pushedBefore: true }), [outcome, stage])).toEqual([]);
  });
});
