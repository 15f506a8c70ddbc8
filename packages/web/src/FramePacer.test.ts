import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FramePacer } from "./FramePacer.js";

describe("FramePacer: the dashboard stays under the server's frame bucket", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const frame = (n: number) => JSON.stringify({ action: "subscribe", batchId: `batch-${n}` });

  it("sends a burst at once, then the rest at the refill rate, in order", () => {
    // Prepare
    const sent: string[] = [];
    const pacer = new FramePacer({ burst: 5, refillPerSecond: 2 }, (text) => sent.push(text));

    // Act
    for (let n = 0; n < 9; n++) pacer.send(frame(n));

    // Assess
    expect(sent).toHaveLength(5);
    expect(pacer.waiting).toBe(4);
    vi.advanceTimersByTime(500);
    expect(sent).toHaveLength(6);
    vi.advanceTimersByTime(1500);
    expect(sent).toEqual(Array.from({ length: 9 }, (_, n) => frame(n)));
    expect(pacer.waiting).toBe(0);
  });

  it("never sends more than the burst plus what refilled, whatever is asked", () => {
    const sent: number[] = [];
    const pacer = new FramePacer({ burst: 10, refillPerSecond: 4 }, () => sent.push(Date.now()));

    for (let n = 0; n < 200; n++) pacer.send(frame(n));
    vi.advanceTimersByTime(10_000);

    expect(sent).toHaveLength(10 + 40);
  });

  it("queues a frame once however often it is asked while it waits", () => {
    const sent: string[] = [];
    const pacer = new FramePacer({ burst: 1, refillPerSecond: 1 }, (text) => sent.push(text));

    pacer.send(frame(0));
    pacer.send(frame(1));
    pacer.send(frame(1));
    pacer.send(frame(1));
    vi.advanceTimersByTime(5000);

    expect(sent).toEqual([frame(0), frame(1)]);
  });

  it("drops what waits when cleared (the reconnection's catch-up replaces it)", () => {
    const sent: string[] = [];
    const pacer = new FramePacer({ burst: 1, refillPerSecond: 1 }, (text) => sent.push(text));

    pacer.send(frame(0));
    pacer.send(frame(1));
    pacer.clear();
    vi.advanceTimersByTime(5000);

    expect(sent).toEqual([frame(0)]);
  });
});
