import type { DeadLetterMessage } from "@pipeline/core";
import type { PushMessage } from "@pipeline/local";
import type { BatchState } from "@pipeline/testkit";
import { describe, expect, it } from "vitest";
import type { RecordingClient } from "./support/RecordingClient.js";
import { checkBatches, checkClients, checkDeadLetters, type ExpectedBatch } from "./support/invariants.js";

const batch: ExpectedBatch = { batchId: "b1", userId: "alice", uploads: 10, broken: 2 };
const exact: BatchState = {
  status: "completed",
  total: 10,
  processed: 10,
  successful: 8,
  failed: 2,
  cancelled: 0,
  actual: { terminal: 10, completed: 8, failed: 2, cancelled: 0, all: 10 },
};
const completed = { type: "batch.completed", batchId: "b1", status: "completed", total: 10, processed: 10, successful: 8, failed: 2 };

function client(userId: string, frames: PushMessage[]): RecordingClient {
  return { userId, frames: frames.map((frame, at) => ({ at, frame })) } as unknown as RecordingClient;
}

/** The checks the chaos and load runs rely on: each must see the violation it exists for. */
describe("invariant checks", () => {
  it("pass an exact batch finalized once", () => {
    expect(checkBatches([batch], new Map([["b1", exact]]), new Map([["b1", 1]]), new Map([["b1", 1]]))).toEqual([]);
  });

  it.each([
    ["I1: an upload counted twice", { ...exact, processed: 11, successful: 9 }, 1, /^I2 .*inconsistent|^I1/],
    ["I1/I2: counters that differ from the uploads table", { ...exact, actual: { ...exact.actual, completed: 7, failed: 3 } }, 1, /^I1\/I2 /],
    ["I5: an upload left unfinished", { ...exact, status: "processing", processed: 9, successful: 7, actual: { ...exact.actual, terminal: 9, completed: 7 } }, 1, /^I5 .*not terminal/],
    ["I3: a batch finalized twice", exact, 2, /^I3 .*2 times/],
    ["I3: a batch never finalized", exact, 0, /^I3 .*0 times/],
  ])("flag %s", (_name, state, moves, pattern) => {
    const violations = checkBatches([batch], new Map([["b1", state]]), new Map([["b1", moves]]), new Map([["b1", 1]]));
    expect(violations.some((violation) => pattern.test(violation))).toBe(true);
  });

  it("pass a client that saw its batch's versions in order, ending with the final state", () => {
    const frames = [{ type: "batch.progress", batchId: "b1", version: 1, processed: 4 }, { ...completed, version: 2 }];
    expect(checkClients([client("alice", frames)], [batch], new Map([["b1", exact]]))).toEqual({ violations: [], latePushes: 0 });
  });

  it("count a push that arrives after a later version within the window of a lost hold, and flag one outside it", () => {
    const frames = [
      { type: "batch.progress", batchId: "b1", version: 2, processed: 6 },
      { type: "batch.progress", batchId: "b1", version: 1, processed: 4 },
      { ...completed, version: 3 },
    ] as PushMessage[];
    const alice = { userId: "alice", frames: frames.map((frame, index) => ({ at: 10_000 + index * 1000, frame })) } as unknown as RecordingClient;
    const check = (holdsLostAt: number[]) => checkClients([alice], [batch], new Map([["b1", exact]]), holdsLostAt);

    // The late frame came at 11,000: 500 ms after a hold was lost, or 2,500 ms after.
    expect(check([10_500])).toEqual({ violations: [], latePushes: 1 });
    expect(check([8_500]).violations).toEqual([expect.stringMatching(/^I4 .*version 1 after 2/)]);
    expect(check([11_500]).violations).toEqual([expect.stringMatching(/^I4 .*version 1 after 2/)]);
  });

  it("judge the final state by the frames a client applies: a late older frame after batch.completed is dropped", () => {
    const frames = [{ ...completed, version: 3 }, { type: "batch.progress", batchId: "b1", version: 2, processed: 4 }] as PushMessage[];
    const alice = { userId: "alice", frames: frames.map((frame, index) => ({ at: 1000 + index, frame })) } as unknown as RecordingClient;

    expect(checkClients([alice], [batch], new Map([["b1", exact]]), [1000])).toEqual({ violations: [], latePushes: 1 });
  });

  it.each([
    ["I4: a version going back", [{ ...completed, version: 3 }, { type: "batch.progress", batchId: "b1", version: 2, processed: 4 }, { ...completed, version: 4 }], /^I4 .*version 2 after 3/],
    ["I4: progress going back", [{ type: "batch.progress", batchId: "b1", version: 1, processed: 6 }, { type: "batch.progress", batchId: "b1", version: 2, processed: 5 }, { ...completed, version: 3 }], /^I4 .*processed 5 after 6/],
    ["I3: no final push", [{ type: "batch.progress", batchId: "b1", version: 1, processed: 4 }], /^I3 .*no batch.completed/],
    ["I3: a final push with other counters", [{ ...completed, version: 1, processed: 9 }], /^I3 .*not the final state/],
    ["I6: another user's batch", [{ ...completed, version: 1 }, { type: "batch.progress", batchId: "b2", version: 1, processed: 1 }], /^I6 /],
  ])("flag %s", (_name, frames, pattern) => {
    const { violations } = checkClients([client("alice", frames as PushMessage[])], [batch, { ...batch, batchId: "b2", userId: "bob" }], new Map([["b1", exact]]));
    expect(violations.some((violation) => pattern.test(violation))).toBe(true);
  });

  it("flag a poison message missing from its dead-letter queue, or parked without its reason", () => {
    const letter = (reason: string | null): DeadLetterMessage => ({ queue: "uploads", messageId: "m", body: "{bad", batchId: null, uploadId: null, reason, receiveCount: 1, sentAt: null, offloaded: null });
    const poison = [{ queue: "uploads" as const, body: "{bad", reason: /^body is not JSON/ }];

    expect(checkDeadLetters([letter("body is not JSON (…)")], poison)).toEqual([]);
    expect(checkDeadLetters([], poison)).toEqual([expect.stringMatching(/^I5 .*is not in the uploads dead-letter queue/)]);
    expect(checkDeadLetters([letter(null)], poison)).toEqual([expect.stringMatching(/^I5 .*without its reason/)]);
  });
});
