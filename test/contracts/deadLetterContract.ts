import type { DeadLetterInspector, DeadLetterStore } from "@pipeline/core";
import { beforeEach, describe, expect, it } from "vitest";

/** The uploads queue's dead letters on one engine (SQS or in memory). */
export interface DeadLetterWorld {
  store: DeadLetterStore;
  inspector: DeadLetterInspector;
  /** Parks a message with its reason, as the worker dead-letters a message that can never succeed. */
  park(body: string, reason: string): Promise<unknown>;
  /** Bodies that arrived on the source queue (the uploads queue). */
  sourceBodies(): Promise<string[]>;
}

export function describeDeadLetterContract(makeWorld: () => Promise<DeadLetterWorld> | DeadLetterWorld): void {
  describe("DeadLetterStore and DeadLetterInspector contract", () => {
    let world: DeadLetterWorld;
    const body = (n: number) => JSON.stringify({ batchId: `batch-${n}`, uploadId: `upload-${n}` });
    beforeEach(async () => {
      world = await makeWorld();
    });

    it("peeks with the ids from the body and the reason, and leaves every message in place", async () => {
      await world.park(body(1), "unknown upload");
      await world.park("not json", "not JSON");

      const first = await world.inspector.peek("uploads", 10);
      const second = await world.inspector.peek("uploads", 10);

      expect(first.map(({ batchId, uploadId, reason, body: text, queue }) => ({ batchId, uploadId, reason, body: text, queue })).sort((a, b) => a.body.localeCompare(b.body))).toEqual([
        { batchId: "batch-1", uploadId: "upload-1", reason: "unknown upload", body: body(1), queue: "uploads" },
        { batchId: null, uploadId: null, reason: "not JSON", body: "not json", queue: "uploads" },
      ]);
      expect(second.map((message) => message.messageId).sort()).toEqual(first.map((message) => message.messageId).sort());
      expect(await world.inspector.peek("batches", 10)).toEqual([]);
    });

    it("hides a held message from the next hold until it is released", async () => {
      await world.park(body(1), "r");

      const held = await world.store.hold(10, 60, 0);
      const whileHeld = await world.store.hold(10, 60, 0);
      await world.store.release(held);
      const afterRelease = await world.store.hold(10, 60, 0);

      expect(held).toHaveLength(1);
      expect(whileHeld).toEqual([]);
      expect(afterRelease.map((message) => message.messageId)).toEqual(held.map((message) => message.messageId));
      expect(afterRelease[0]?.receiveCount).toBeGreaterThan(held[0]?.receiveCount ?? 0);
    });

    it("moves a held message's body to its source queue and out of the dead-letter queue", async () => {
      await world.park(body(1), "r");
      await world.park(body(2), "r");
      const held = await world.store.hold(10, 60, 0);
      const chosen = held.find((message) => message.batchId === "batch-1");

      if (!chosen) throw new Error("the parked message was not held");
      await world.store.moveToSource(chosen);
      await world.store.release(held.filter((message) => message !== chosen));

      expect(await world.sourceBodies()).toEqual([body(1)]);
      expect((await world.inspector.peek("uploads", 10)).map((message) => message.batchId)).toEqual(["batch-2"]);
    });
  });
}
