import { BuiltInAiService, summarizeMedia, type ImageMetadata, type VideoMetadata } from "@pipeline/media";
import { describe, expect, it } from "vitest";
import { makeImage } from "./mediaFiles.js";

const photo: ImageMetadata = {
  kind: "image",
  mimeType: "image/jpeg",
  format: "JPEG",
  byteLength: 5000,
  width: 640,
  height: 480,
  orientation: 1,
  takenAt: "2024-05-01T12:34:56+02:00",
  cameraMake: "Canon",
  cameraModel: "EOS 5D",
  frames: 1,
  thumbnail: { width: 320, height: 240, mimeType: "image/webp" },
};
const video: VideoMetadata = {
  kind: "video",
  mimeType: "video/mp4",
  format: "MP4",
  byteLength: 9000,
  container: "isom, avc1",
  durationSeconds: 12.5,
  width: 1920,
  height: 1080,
  videoCodec: "avc1.640028",
  audioCodec: "mp4a.40.2",
};

function cosine(a: readonly number[], b: readonly number[]): number {
  return a.reduce((sum, value, index) => sum + value * (b[index] ?? 0), 0);
}

describe("BuiltInAiService: the deterministic offline AI", () => {
  const ai = new BuiltInAiService();
  const signal = new AbortController().signal;

  it("gives the same image the same labelled description and vector", async () => {
    const image = await makeImage("jpeg", { colour: "#c03030" });

    const first = { description: await ai.describe({ image, metadata: photo }, signal), embedding: await ai.embed({ text: "a", image }, signal) };
    const second = { description: await ai.describe({ image: Buffer.from(image), metadata: photo }, signal), embedding: await ai.embed({ text: "a", image: Buffer.from(image) }, signal) };

    expect(first).toEqual(second);
    expect(first.description).toEqual({ text: "[offline] 640×480 JPEG photo, taken 2024-05-01 12:34:56+02:00, Canon EOS 5D", provenance: { source: "offline", method: "metadata-summary" } });
    expect(first.embedding.provenance).toEqual({ source: "offline", method: "colour-histogram", dimensions: 64 });
    expect(first.embedding.vector).toHaveLength(64);
    expect(Math.hypot(...first.embedding.vector)).toBeCloseTo(1, 6);
  });

  it("gives different images different vectors, whatever the text", async () => {
    const red = await ai.embed({ text: "same", image: await makeImage("jpeg", { colour: "#c03030" }) }, signal);
    const green = await ai.embed({ text: "same", image: await makeImage("jpeg", { colour: "#30c030" }) }, signal);
    const redAgain = await ai.embed({ text: "other", image: await makeImage("png", { colour: "#c03030" }) }, signal);

    expect(cosine(red.vector, green.vector)).toBeLessThan(0.5);
    expect(cosine(red.vector, redAgain.vector)).toBeGreaterThan(0.95);
  });

  it("embeds a video's description by its words, labelled as such", async () => {
    const text = "12.5 s MP4 video, 1920×1080, avc1.640028";

    const first = await ai.embed({ text, image: null }, signal);
    const second = await ai.embed({ text, image: null }, signal);
    const other = await ai.embed({ text: "3.0 s WebM video, 640×360, VP9", image: null }, signal);

    expect(first).toEqual(second);
    expect(first.provenance).toEqual({ source: "offline", method: "text-hash", dimensions: 64 });
    expect(first.vector).not.toEqual(other.vector);
    expect(Math.hypot(...first.vector)).toBeCloseTo(1, 6);
  });

  it("describes what the metadata says, and nothing more", async () => {
    const animation = { ...photo, format: "GIF", frames: 12, takenAt: null, cameraMake: null, cameraModel: null };

    expect((await ai.describe({ image: Buffer.alloc(0), metadata: animation }, signal)).text).toBe("[offline] 640×480 GIF animation, 12 frames");
    expect((await ai.describe({ image: Buffer.alloc(0), metadata: { ...photo, cameraModel: "Canon EOS 5D" } }, signal)).text).toMatch(/, Canon EOS 5D$/);
    // Videos are never sent to describe; the summary they get instead reads like this.
    expect(summarizeMedia(video)).toBe("12.5 s MP4 video, 1920×1080, avc1.640028, audio mp4a.40.2");
  });

  it("honours an aborted signal", async () => {
    const controller = new AbortController();
    controller.abort(new Error("stop"));

    await expect(ai.describe({ image: Buffer.alloc(0), metadata: photo }, controller.signal)).rejects.toThrow("stop");
  });
});
