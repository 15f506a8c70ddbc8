import { describe, expect, it } from "vitest";
import { defaultPriority, estimateSecondsLeft, isValidMaxInFlight } from "./batchFlow.js";

describe("estimateSecondsLeft", () => {
  const running = { total: 100, processed: 20, activeMillis: 10_000, paused: false, final: false };

  it("is the uploads left at the rate observed so far", () => {
    // 20 uploads in 10 s: 0.5 s each; 80 left.
    expect(estimateSecondsLeft(running)).toBe(40);
  });

  it("rounds up, so a batch about to finish still shows a second", () => {
    expect(estimateSecondsLeft({ ...running, processed: 99, activeMillis: 9_900 })).toBe(1);
  });

  it("gives none while paused, once final, before any time has passed, and before a few uploads are processed", () => {
    expect(estimateSecondsLeft({ ...running, paused: true })).toBeNull();
    expect(estimateSecondsLeft({ ...running, final: true })).toBeNull();
    expect(estimateSecondsLeft({ ...running, activeMillis: null })).toBeNull();
    expect(estimateSecondsLeft({ ...running, activeMillis: 0 })).toBeNull();
    expect(estimateSecondsLeft({ ...running, processed: 2 })).toBeNull();
  });

  it("is zero when everything is processed but the batch is not final yet", () => {
    expect(estimateSecondsLeft({ ...running, processed: 100 })).toBe(0);
  });
});

describe("isValidMaxInFlight", () => {
  it("takes whole numbers from 1 to 10,000", () => {
    expect([1, 40, 10_000].map(isValidMaxInFlight)).toEqual([true, true, true]);
    expect([0, -1, 10_001, 2.5, Number.NaN].map(isValidMaxInFlight)).toEqual([false, false, false, false, false]);
  });
});

describe("defaultPriority", () => {
  it("makes a batch bulk only above the threshold", () => {
    expect(defaultPriority(200, { bulkAboveUploads: 200 })).toBe("interactive");
    expect(defaultPriority(201, { bulkAboveUploads: 200 })).toBe("bulk");
  });
});
