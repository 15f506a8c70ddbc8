import { describe, expect, it } from "vitest";
import { decideRetry, requeueDelaySeconds } from "./retryPolicy.js";

const policy = { maxReceiveCount: 4, baseDelaySeconds: 2, maxDelaySeconds: 5 };

describe("decideRetry", () => {
  it("backs off exponentially by receive count, capped", () => {
    expect([1, 2, 3].map((count) => decideRetry(count, policy))).toEqual([
      { kind: "retry", delaySeconds: 2 },
      { kind: "retry", delaySeconds: 4 },
      { kind: "retry", delaySeconds: 5 },
    ]);
  });

  it("gives up on the last attempt the queue allows, and after it", () => {
    expect(decideRetry(4, policy)).toEqual({ kind: "give-up" });
    expect(decideRetry(9, policy)).toEqual({ kind: "give-up" });
  });
});

describe("requeueDelaySeconds", () => {
  it("starts at 5 s, doubles, and stops at 5 minutes", () => {
    expect([0, 1, 2, 3, 6, 7, 20].map(requeueDelaySeconds)).toEqual([5, 10, 20, 40, 300, 300, 300]);
  });
});
