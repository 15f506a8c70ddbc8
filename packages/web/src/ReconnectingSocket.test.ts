import { describe, expect, it } from "vitest";
import { reconnectDelay } from "./ReconnectingSocket.js";

describe("reconnectDelay", () => {
  const backoff = { baseMillis: 500, maxMillis: 30_000 };

  it("doubles per attempt, jittered between half and all of the step, and stops growing at the cap", () => {
    expect([0, 1, 2, 3].map((attempt) => reconnectDelay(attempt, backoff, () => 1))).toEqual([500, 1000, 2000, 4000]);
    expect(reconnectDelay(3, backoff, () => 0)).toBe(2000);
    expect(reconnectDelay(20, backoff, () => 1)).toBe(30_000);
    expect(reconnectDelay(20, backoff, () => 0)).toBe(15_000);
  });
});
