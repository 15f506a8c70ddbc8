/**
 * API Gateway refuses a message over 128 KB. Pushes and snapshots keep well under it: a budget
 * for their lists, leaving room for the rest of the frame.
 */
export const FRAME_LIST_BUDGET_BYTES = 96 * 1024;

const encoder = new TextEncoder();

/** The longest prefix of `items` with at most `maxCount` items whose JSON fits in `maxBytes`. */
export function takeWithinBytes<T>(items: readonly T[], maxCount: number, maxBytes = FRAME_LIST_BUDGET_BYTES): T[] {
  const taken: T[] = [];
  let bytes = 2;
  for (const item of items) {
    if (taken.length >= maxCount) break;
    const size = encoder.encode(JSON.stringify(item)).length + 1;
    if (bytes + size > maxBytes) break;
    taken.push(item);
    bytes += size;
  }
  return taken;
}
