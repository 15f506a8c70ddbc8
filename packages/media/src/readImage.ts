import { imageDecodeError } from "./imageDecodeError.js";
import { loadSharp } from "./loadSharp.js";
import { readExifBasics } from "./readExifBasics.js";
import type { ImageMetadata } from "./types.js";

export type ImageFacts = Pick<ImageMetadata, "width" | "height" | "orientation" | "takenAt" | "cameraMake" | "cameraModel" | "frames">;

/**
 * Reads an image's header: displayed size, EXIF orientation, frames and the EXIF basics. A header
 * sharp cannot read fails permanently; a truncated body is only found when decoding
 * (`renderImage`).
 */
export async function readImage(bytes: Buffer): Promise<ImageFacts> {
  const sharp = await loadSharp();
  const metadata = await sharp(bytes)
    .metadata()
    .catch((error: unknown) => {
      throw imageDecodeError(error);
    });
  return {
    width: metadata.autoOrient.width,
    height: metadata.autoOrient.height,
    orientation: metadata.orientation ?? null,
    frames: metadata.pages ?? 1,
    ...(await readExifBasics(metadata.exif)),
  };
}
