import { imageDecodeError } from "./imageDecodeError.js";
import { loadSharp } from "./loadSharp.js";

export interface RenderedImage {
  bytes: Buffer;
  width: number;
  height: number;
}

/**
 * Renders the upright first frame of an image, scaled to fit `maxSize` × `maxSize` (never
 * enlarged). Decoding the whole image here is also what finds truncated and corrupt files: they
 * fail permanently.
 */
export async function renderImage(bytes: Buffer, maxSize: number, format: "webp" | "jpeg"): Promise<RenderedImage> {
  const sharp = await loadSharp();
  try {
    // Decoder warnings (stray bytes, odd markers) are common in camera files that display fine;
    // errors and truncation are not.
    const pipeline = sharp(bytes, { failOn: "error" }).autoOrient().resize(maxSize, maxSize, { fit: "inside", withoutEnlargement: true });
    const { data, info } = await (format === "webp" ? pipeline.webp({ quality: 80 }) : pipeline.jpeg({ quality: 85 })).toBuffer({ resolveWithObject: true });
    return { bytes: data, width: info.width, height: info.height };
  } catch (error) {
    throw imageDecodeError(error);
  }
}
