/** Scales a vector to unit length (a zero vector stays zero). */
export function normalize(vector: readonly number[]): number[] {
  const length = Math.hypot(...vector);
  return length === 0 ? [...vector] : vector.map((value) => value / length);
}
