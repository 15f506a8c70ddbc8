import { createHash } from "node:crypto";
import { normalize } from "./normalize.js";

/**
 * A bag-of-words vector by feature hashing: each word adds ±1 to the bin its hash picks, the result
 * is scaled to unit length. Texts sharing words point the same way; it knows no meaning.
 */
export function hashTextVector(text: string, dimensions: number): number[] {
  const bins = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}.]+/u)) {
    if (word === "") continue;
    const digest = createHash("sha256").update(word).digest();
    const bin = digest.readUInt32BE(0) % dimensions;
    bins[bin] = (bins[bin] ?? 0) + ((digest[4] ?? 0) & 1 ? 1 : -1);
  }
  return normalize(bins);
}
