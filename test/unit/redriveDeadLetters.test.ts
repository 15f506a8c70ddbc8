import { redriveDeadLetters } from "@pipeline/core";
import { InMemoryDeadLetterQueue } from "@pipeline/testkit/fakes";
import { describe, expect, it } from "vitest";
import { RecordingLogger } from "../support/RecordingLogger.js";

describe("redriveDeadLetters", () => {
  it("reports a message sent back whose delete failed, and goes on with the others", async () => {
    // Prepare
    const queue = new InMemoryDeadLetterQueue("uploads");
    for (let n = 0; n < 3; n++) queue.park(JSON.stringify({ batchId: "b", uploadId: `u${n}` }), "r");
    const [, stuck] = queue.remaining;
    queue.failingDeletes.add(stuck?.messageId ?? "");
    const logger = new RecordingLogger();

    // Act
    const report = await redriveDeadLetters(queue, logger, { waitSeconds: 0, sleep: async () => {} });

    // Assess
    expect(report).toMatchObject({ moved: 3, notDeleted: [stuck?.messageId] });
    expect(queue.source).toHaveLength(3);
    expect(queue.remaining.map((message) => message.messageId)).toEqual([stuck?.messageId]);
    expect(logger.lines.some((line) => line.level === "error" && line.message === "dead letter sent back but not deleted")).toBe(true);
  });

  it("moves at the default rate of 50 messages a second when none is given", async () => {
    const queue = new InMemoryDeadLetterQueue("uploads");
    for (let n = 0; n < 10; n++) queue.park(JSON.stringify({ batchId: "b", uploadId: `u${n}` }), "r");
    const start = Date.now() + 1;
    let clock = start;

    await redriveDeadLetters(queue, new RecordingLogger(), { waitSeconds: 0, now: () => clock, sleep: async (millis) => void (clock += millis) });

    expect(clock - start).toBe(9 * 20);
    expect(queue.source).toHaveLength(10);
  });

  it("leaves a message parked after it began: one that fails again does not keep it going", async () => {
    // Prepare: every message sent back is parked again at once, as a bad message is.
    const queue = new InMemoryDeadLetterQueue("uploads");
    queue.park(JSON.stringify({ batchId: "b", uploadId: "u" }), "r");
    const bouncing = { ...queue, hold: queue.hold.bind(queue), extend: queue.extend.bind(queue), release: queue.release.bind(queue),
      moveToSource: async (message: Parameters<typeof queue.moveToSource>[0]) => {
        await queue.moveToSource(message);
        await new Promise((resolve) => setTimeout(resolve, 2));
        queue.park(message.body, "r");
      },
    };

    // Act
    const report = await redriveDeadLetters(bouncing, new RecordingLogger(), { waitSeconds: 0 });

    // Assess
    expect(report).toMatchObject({ moved: 1, skipped: 1 });
    expect(queue.remaining).toHaveLength(1);
  });
});
