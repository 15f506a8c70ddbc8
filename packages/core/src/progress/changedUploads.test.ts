import { describe, expect, it } from "vitest";
import { changedUploads } from "./changedUploads.js";

const A = "00000000-0000-4000-8000-00000000000a";
const B = "00000000-0000-4000-8000-00000000000b";
const U1 = "00000000-0000-4000-8000-000000000001";
const U2 = "00000000-0000-4000-8000-000000000002";

describe("changedUploads", () => {
  it("names each changed upload once, grouped by batch, whatever state the messages claim", () => {
    const result = changedUploads([
      { batchId: A, changes: [{ uploadId: U1, status: "processing", stage: "thumbnail" }] },
      { batchId: B, changes: [{ uploadId: U2, status: "completed" }] },
      { batchId: A, changes: [{ uploadId: U1, status: "completed" }, { uploadId: U2, status: "failed", error: "bad" }] },
    ]);

    expect(result.get(A)).toEqual([U1, U2]);
    expect(result.get(B)).toEqual([U2]);
  });

  it("keeps a batch with no changes, so an empty batch can be finalized", () => {
    expect(changedUploads([{ batchId: A, changes: [] }]).get(A)).toEqual([]);
  });
});
