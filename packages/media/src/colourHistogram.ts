import { loadSharp } from "./loadSharp.js";
import { normalize } from "./normalize.js";

/** Levels per RGB channel: 4 × 4 × 4 = 64 bins. */
const LEVELS = 4;
/** Pixels sampled: enough for a stable histogram, cheap to compute. */
const SAMPLE_SIZE = 64;

export const COLOUR_HISTOGRAM_DIMENSIONS = LEVELS ** 3;

/**
 * A joint RGB histogram of the image (4 levels per channel, 64 bins), scaled to unit length so
 * that cosine similarity compares colour distributions. Deterministic for the same bytes.
 */
export async function colourHistogram(image: Uint8Array): Promise<number[]> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(image)
    .resize(SAMPLE_SIZE, SAMPLE_SIZE, { fit: "fill" })
    .removeAlpha()
    .toColourspace("srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  const bins = new Array<number>(COLOUR_HISTOGRAM_DIMENSIONS).fill(0);
  const step = 256 / LEVELS;
  for (let offset = 0; offset + 2 < data.length; offset += info.channels) {
    const r = Math.floor((data[offset] ?? 0) / step);
    const g = Math.floor((data[offset + 1] ?? 0) / step);
    const b = Math.floor((data[offset + 2] ?? 0) / step);
    const bin = (r * LEVELS + g) * LEVELS + b;
    bins[bin] = (bins[bin] ?? 0) + 1;
  }
  return normalize(bins);
}
