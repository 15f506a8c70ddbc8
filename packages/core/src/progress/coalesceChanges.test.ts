import { describe, expect, it } from "vitest";
import { coalesceChanges } from "./coalesceChanges.js";

const A = "00000000-0000-4000-8000-00000000000a";
const B = "00000000-0000-4000-8000-00000000000b";
const U1 = "00000000-0000-4000-8000-000000000001";
const U2 = "00000000-0000-4000-8000-000000000002";

describe("coalesceChanges", () => {
  it("keeps one change per upload, grouped by batch", () => {
    const result = coalesceChanges([
      { batchId: A, changes: [{ uploadId: U1, status: "processing" }] },
      { batchId: B, changes: [{ uploadId: U2, status: "completed" }] },
      { batchId: A, changes: [{ uploadId: U1, status: "completed" }, { uploadId: U2, status: "failed", error: "bad" }] },
    ]);

    expect(result.get(A)).toEqual([{ uploadId: U1, status: "completed" }, { uploadId: U2, status: "failed", error: "bad" }]);
    expect(result.get(B)).toEqual([{ uploadId: U2, status: "completed" }]);
  });

  it("never lets a late non-terminal change replace a terminal one", () => {
    const result = coalesceChanges([
      { batchId: A, changes: [{ uploadId: U1, status: "completed" }] },
      { batchId: A, changes: [{ uploadId: U1, status: "processing" }] },
    ]);

    expect(result.get(A)).toEqual([{ uploadId: U1, status: "completed" }]);
  });

  it("keeps a batch with no changes, so an empty batch can be finalized", () => {
    expect(coalesceChanges([{ batchId: A, changes: [] }]).get(A)).toEqual([]);
  });
});
