import { describe, expect, it } from "vitest";
import { formatTimeLeft } from "./timeLeft.js";

describe("formatTimeLeft", () => {
  it.each([
    [null, null],
    [-1, null],
    [Number.NaN, null],
    [0, "less than a minute left"],
    [44, "less than a minute left"],
    [45, "about 1 min left"],
    [120, "about 2 min left"],
    [149, "about 2 min left"],
    [151, "about 3 min left"],
    [59 * 60 + 29, "about 59 min left"],
    [59 * 60 + 31, "about 1 h left"],
    [95 * 60, "about 1 h 35 min left"],
    [97 * 60 + 40, "about 1 h 40 min left"],
    [3 * 3600 + 58 * 60, "about 4 h left"],
    [10 * 3600 + 20 * 60, "about 10 h left"],
    [30 * 3600, "about 30 h left"],
  ])("%s s: %s", (seconds, expected) => {
    expect(formatTimeLeft(seconds)).toBe(expected);
  });
});
