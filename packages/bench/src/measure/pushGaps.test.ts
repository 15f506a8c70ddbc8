import { describe, expect, it } from "vitest";
import { pushGaps } from "./pushGaps.js";

describe("pushGaps", () => {
  it("counts the wait for the first push as a gap", () => {
    expect(pushGaps(1_000, [3_000, 3_500, 4_000])).toEqual({ pushes: 3, firstPushMillis: 2_000, longestGapMillis: 2_000 });
  });

  it("finds the longest gap between consecutive pushes", () => {
    expect(pushGaps(1_000, [1_200, 2_100, 3_900, 4_000])).toEqual({ pushes: 4, firstPushMillis: 200, longestGapMillis: 1_800 });
  });

  it("has no gap to report without a push", () => {
    expect(pushGaps(1_000, [])).toEqual({ pushes: 0, firstPushMillis: null, longestGapMillis: null });
  });
});
