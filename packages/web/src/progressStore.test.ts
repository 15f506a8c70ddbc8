import type { BatchCompletedPush, BatchFlow, BatchProgressPush, BatchSnapshotFrame, UploadChange } from "@pipeline/core";
import { describe, expect, it, vi } from "vitest";
import { ProgressStore, type StoreListener } from "./progressStore.js";

const BATCH = "5b0b7a4e-0000-4000-8000-000000000001";
const A = "00000000-0000-4000-8000-00000000000a";
const B = "00000000-0000-4000-8000-00000000000b";

/** A running batch at the stage's window, no estimate yet. */
const RUNNING: BatchFlow = { priority: "interactive", maxInFlight: null, paused: false, secondsLeft: null };

function push(
  version: number,
  processed: number,
  changes: UploadChange[] = [],
  type: "batch.progress" | "batch.completed" = "batch.progress",
  flow: Partial<BatchFlow> = {},
): BatchProgressPush | BatchCompletedPush {
  const status = type === "batch.completed" ? "completed" : "processing";
  return { type, batchId: BATCH, version, status, total: 2, processed, successful: processed, failed: 0, cancelled: 0, ...RUNNING, ...flow, changes, changesTruncated: false };
}

function snapshot(version: number, processed: number, uploads: BatchSnapshotFrame["uploads"], nextCursor: string | null = null, flow: Partial<BatchFlow> = {}): BatchSnapshotFrame {
  return { type: "batch.snapshot", batchId: BATCH, version, status: "processing", total: 2, processed, successful: processed, failed: 0, cancelled: 0, ...RUNNING, ...flow, uploads, nextCursor };
}

function storeWithListener() {
  const listener: StoreListener = { changed: vi.fn(), subscribe: vi.fn(), finished: vi.fn() };
  return { store: new ProgressStore(listener), listener };
}

describe("ProgressStore", () => {
  it("drops a push older than the last applied version and applies one of equal version", () => {
    // Prepare
    const { store } = storeWithListener();
    store.addCreated(BATCH, [{ uploadId: A, filename: "a.jpg" }, { uploadId: B, filename: "b.jpg" }], "2025-01-01T00:00:00Z");

    // Act
    store.apply(push(5, 1, [{ uploadId: A, status: "completed" }]));
    store.apply(push(4, 0));
    store.apply(push(5, 1, [{ uploadId: B, status: "processing", stage: "thumbnail" }]));

    // Assess
    const batch = store.get(BATCH);
    expect(batch).toMatchObject({ version: 5, processed: 1 });
    expect(batch?.uploads.get(B)).toMatchObject({ status: "processing", stage: "thumbnail", hasThumbnail: true });
  });

  it("never moves a file back from a terminal state, whatever a later frame says", () => {
    const { store } = storeWithListener();
    store.addCreated(BATCH, [{ uploadId: A, filename: "a.jpg" }], "2025-01-01T00:00:00Z");
    store.apply(push(3, 1, [{ uploadId: A, status: "failed", error: "unreadable" }]));

    store.apply({ type: "upload.progress", batchId: BATCH, version: 3, uploads: [{ uploadId: A, status: "processing", stage: "embedding" }] });
    store.apply(snapshot(4, 1, [{ uploadId: A, filename: "a.jpg", status: "processing", error: null, hasThumbnail: false }]));

    expect(store.get(BATCH)?.uploads.get(A)).toMatchObject({ status: "failed", error: "unreadable" });
  });

  it("takes names and terminal outcomes from a snapshot older than the last push, but not its counters", () => {
    const { store } = storeWithListener();
    store.apply(push(7, 2, [{ uploadId: A, status: "completed" }, { uploadId: B, status: "processing" }]));

    store.apply(snapshot(6, 1, [
      { uploadId: A, filename: "a.jpg", status: "processing", error: null, hasThumbnail: true },
      { uploadId: B, filename: "b.jpg", status: "completed", error: null, hasThumbnail: false },
    ]));

    const batch = store.get(BATCH);
    expect(batch).toMatchObject({ version: 7, processed: 2 });
    expect(batch?.uploads.get(A)).toMatchObject({ filename: "a.jpg", status: "completed", hasThumbnail: true });
    expect(batch?.uploads.get(B)).toMatchObject({ filename: "b.jpg", status: "completed" });
  });

  it("asks for a snapshot of a batch it first hears of in a push, and for each next page", () => {
    const { store, listener } = storeWithListener();

    store.apply(push(1, 0));
    store.apply(snapshot(1, 0, [{ uploadId: A, filename: "a.jpg", status: "pending", error: null, hasThumbnail: false }], A));

    expect(listener.subscribe).toHaveBeenNthCalledWith(1, BATCH);
    expect(listener.subscribe).toHaveBeenNthCalledWith(2, BATCH, A);
    expect(store.list().map((batch) => batch.batchId)).toEqual([BATCH]);
  });

  it("reports a batch finished once and fetches its final snapshot for thumbnails", () => {
    const { store, listener } = storeWithListener();
    store.addCreated(BATCH, [{ uploadId: A, filename: "a.jpg" }, { uploadId: B, filename: "b.jpg" }], "2025-01-01T00:00:00Z");
    vi.mocked(listener.subscribe).mockClear();

    store.apply(push(9, 2, [], "batch.completed"));
    store.apply(push(9, 2, [], "batch.completed"));

    expect(listener.finished).toHaveBeenCalledTimes(1);
    expect(listener.subscribe).toHaveBeenCalledWith(BATCH);
  });

  it("lists batches newest first", () => {
    const { store } = storeWithListener();
    const view = { userId: "u", status: "completed" as const, total: 1, processed: 1, successful: 1, failed: 0, cancelled: 0, version: 3, ...RUNNING, errorMessage: null, startedAt: null, completedAt: null, updatedAt: "" };

    store.addListed({ ...view, batchId: A, createdAt: "2025-01-01T10:00:00Z" });
    store.addListed({ ...view, batchId: B, createdAt: "2025-01-02T10:00:00Z" });

    expect(store.list().map((batch) => batch.batchId)).toEqual([B, A]);
  });

  it("keeps paused, time left, window and priority from frames, in version order like the counters", () => {
    // Prepare
    const { store } = storeWithListener();
    store.apply(push(5, 1, [], "batch.progress", { secondsLeft: 120, maxInFlight: 4, priority: "bulk" }));

    // Act: the pause's push, then a push read before it arriving late, then the same version again.
    store.apply(push(6, 1, [], "batch.progress", { paused: true, secondsLeft: null, maxInFlight: 4, priority: "bulk" }));
    store.apply(push(5, 1, [], "batch.progress", { paused: false, secondsLeft: 90 }));
    const afterStale = { ...store.get(BATCH) };
    store.apply(push(6, 1, [], "batch.progress", { paused: true, secondsLeft: null, maxInFlight: 4, priority: "bulk" }));

    // Assess
    expect(afterStale).toMatchObject({ version: 6, paused: true, secondsLeft: null, maxInFlight: 4, priority: "bulk" });
    expect(store.get(BATCH)).toMatchObject({ version: 6, paused: true, secondsLeft: null, maxInFlight: 4, priority: "bulk" });
  });

  it("takes the flow from a fresh snapshot and a resume's push, not from a snapshot older than the last push", () => {
    const { store } = storeWithListener();
    store.apply(snapshot(3, 0, [], null, { paused: true }));
    expect(store.get(BATCH)).toMatchObject({ paused: true, secondsLeft: null });

    store.apply(push(4, 1, [], "batch.progress", { paused: false, secondsLeft: 30 }));
    store.apply(snapshot(3, 0, [], null, { paused: true }));

    expect(store.get(BATCH)).toMatchObject({ version: 4, paused: false, secondsLeft: 30 });
  });

  it("takes the flow of a listed batch, and a new batch runs with no estimate until a frame says otherwise", () => {
    const { store } = storeWithListener();
    store.addCreated(A, [{ uploadId: B, filename: "b.jpg" }], "2025-01-01T00:00:00Z");
    const view = { userId: "u", status: "processing" as const, total: 3, processed: 1, successful: 1, failed: 0, cancelled: 0, version: 2, errorMessage: null, startedAt: null, completedAt: null, updatedAt: "" };

    store.addListed({ ...view, batchId: BATCH, createdAt: "2025-01-02T10:00:00Z", priority: "bulk", maxInFlight: 10, paused: true, secondsLeft: null });

    expect(store.get(A)).toMatchObject({ paused: false, secondsLeft: null, priority: "interactive", maxInFlight: null });
    expect(store.get(BATCH)).toMatchObject({ paused: true, secondsLeft: null, priority: "bulk", maxInFlight: 10 });
  });
});
