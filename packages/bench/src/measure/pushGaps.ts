import type { PushGaps } from "../report/BenchmarkReport.js";

/**
 * How long a client watching a batch went without news: the longest of the gaps between the
 * batch's creation and its first push, and between consecutive pushes.
 */
export function pushGaps(createdAt: number, arrivals: readonly number[]): PushGaps {
  const first = arrivals[0];
  if (first === undefined) return { pushes: 0, firstPushMillis: null, longestGapMillis: null };
  let longest = first - createdAt;
  for (let i = 1; i < arrivals.length; i++) longest = Math.max(longest, (arrivals[i] ?? 0) - (arrivals[i - 1] ?? 0));
  return { pushes: arrivals.length, firstPushMillis: first - createdAt, longestGapMillis: longest };
}
