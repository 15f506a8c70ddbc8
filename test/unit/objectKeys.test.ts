import { createHash, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { InvalidKeySegmentError, ownerKeySegment, safeFilename, thumbnailObjectKey, uploadObjectKey } from "@pipeline/core";

const batchId = randomUUID();
const uploadId = randomUUID();

describe("uploadObjectKey", () => {
  it.each([
    ["..", "a parent-directory subject"],
    ["alice/evil", "a subject that would nest under alice's prefix"],
    ["ålice 😀 ü", "a unicode subject"],
    ["a\u0000b\nc", "control characters"],
    ["", "an empty subject"],
  ])("never holds the raw subject %j (%s)", async (userId) => {
    // Act
    const key = await uploadObjectKey(userId, batchId, uploadId);

    // Assess
    const segments = key.split("/");
    expect(segments).toEqual(["uploads", createHash("sha256").update(userId, "utf8").digest("hex"), batchId, uploadId]);
    expect(segments[1]).toMatch(/^[0-9a-f]{64}$/);
  });

  it("gives alice/evil a prefix of its own, not one under alice's", async () => {
    // Act
    const alice = await ownerKeySegment("alice");
    const evil = await ownerKeySegment("alice/evil");

    // Assess
    expect(evil).not.toBe(alice);
    expect((await uploadObjectKey("alice/evil", batchId, uploadId)).startsWith(`uploads/${alice}/`)).toBe(false);
  });

  it.each(["../x", "not-a-uuid", `${batchId}/..`, ""])("refuses a batch or upload id that is not a UUID: %j", async (id) => {
    await expect(uploadObjectKey("alice", id, uploadId)).rejects.toThrow(InvalidKeySegmentError);
    await expect(uploadObjectKey("alice", batchId, id)).rejects.toThrow(InvalidKeySegmentError);
  });
});

describe("thumbnailObjectKey", () => {
  it("is thumbnails/<uploadId>.webp", () => {
    expect(thumbnailObjectKey(uploadId.toUpperCase())).toBe(`thumbnails/${uploadId}.webp`);
  });

  it.each(["../../uploads/x", "a/b", ".."])("refuses %j", (id) => {
    expect(() => thumbnailObjectKey(id)).toThrow(InvalidKeySegmentError);
  });
});

describe("safeFilename", () => {
  it.each([
    ["../../etc/passwd", "passwd"],
    ["..\\..\\boot.ini", "boot.ini"],
    ["photos/2024/../cat.jpg", "cat.jpg"],
    ["..", "unnamed"],
    ["../", "unnamed"],
    [".", "unnamed"],
    ["", "unnamed"],
    [undefined, "unnamed"],
    ["a\u0000b\u001fc\u007f.jpg", "a\ufffdb\ufffdc\ufffd.jpg"],
    ["été 😀.png", "été 😀.png"],
  ])("%j is kept as %j", (name, kept) => {
    expect(safeFilename(name)).toBe(kept);
  });

  it("cuts a very long name on a character boundary", () => {
    const kept = safeFilename("😀".repeat(2000));
    expect(Array.from(kept)).toHaveLength(1024);
    expect(kept).toBe("😀".repeat(1024));
  });
});
