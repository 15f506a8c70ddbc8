import { describe, expect, it } from "vitest";
import { decideRetry, dependencyFailure, requeueDelaySeconds, settlementOf, type RequeuePolicy, type Settlement, type Verdict } from "./messageFate.js";

const POLICY: RequeuePolicy = { maxRequeues: 12, baseDelaySeconds: 5, maxDelaySeconds: 300 };
const MAX_REQUEUES = POLICY.maxRequeues;

describe("settlementOf", () => {
  const cases: Array<[string, Verdict | undefined, number, Settlement]> = [
    ["done is acknowledged", { kind: "done" }, 0, { kind: "acknowledge" }],
    ["a dead letter keeps its reason", { kind: "dead-letter", reason: "unknown batch b" }, 0, { kind: "dead-letter", reason: "unknown batch b" }],
    ["a retry keeps its delay", { kind: "retry", delaySeconds: 8, reason: "boom" }, 0, { kind: "retry", reason: "boom", delaySeconds: 8, requeuesExhausted: false }],
    ["a first requeue waits 5 s", { kind: "requeue", reason: "db down" }, 0, { kind: "requeue", reason: "db down", requeues: 1, delaySeconds: 5 }],
    ["a third requeue waits 20 s", { kind: "requeue", reason: "db down" }, 2, { kind: "requeue", reason: "db down", requeues: 3, delaySeconds: 20 }],
    [
      "the last requeue allowed",
      { kind: "requeue", reason: "db down" },
      MAX_REQUEUES - 1,
      { kind: "requeue", reason: "db down", requeues: MAX_REQUEUES, delaySeconds: 300 },
    ],
    [
      "a requeue at the max counts as an attempt",
      { kind: "requeue", reason: "db down" },
      MAX_REQUEUES,
      { kind: "retry", reason: "db down", delaySeconds: 300, requeuesExhausted: true },
    ],
    [
      "an unreadable requeue count counts as an attempt",
      { kind: "requeue", reason: "db down" },
      Number.NaN,
      { kind: "retry", reason: "db down", delaySeconds: 300, requeuesExhausted: true },
    ],
    ["a missing verdict is retried at once", undefined, 0, { kind: "retry", reason: "no verdict for this message", delaySeconds: 0, requeuesExhausted: false }],
  ];

  it.each(cases)("%s", (_name, verdict, previousRequeues, settlement) => {
    expect(settlementOf(verdict, previousRequeues, POLICY)).toEqual(settlement);
  });
});

describe("decideRetry", () => {
  const policy = { maxReceiveCount: 4, baseDelaySeconds: 2, maxDelaySeconds: 5 };

  it.each([
    [1, { kind: "retry", delaySeconds: 2 }],
    [2, { kind: "retry", delaySeconds: 4 }],
    [3, { kind: "retry", delaySeconds: 5 }],
    [4, { kind: "give-up" }],
    [9, { kind: "give-up" }],
  ])("receive count %i: %o", (receiveCount, decision) => {
    expect(decideRetry(receiveCount, policy)).toEqual(decision);
  });
});

describe("requeueDelaySeconds", () => {
  it("starts at the base, doubles, and stops at the cap", () => {
    expect([0, 1, 2, 3, 6, 7, 20].map((requeues) => requeueDelaySeconds(requeues, POLICY))).toEqual([5, 10, 20, 40, 300, 300, 300]);
    expect([0, 1, 2].map((requeues) => requeueDelaySeconds(requeues, { maxRequeues: 3, baseDelaySeconds: 1, maxDelaySeconds: 3 }))).toEqual([1, 2, 3]);
  });
});

describe("dependencyFailure", () => {
  it("requeues with what was being done and why it failed", () => {
    expect(dependencyFailure("claim failed", new Error("connection refused"))).toEqual({ kind: "requeue", reason: "claim failed: connection refused" });
  });
});
