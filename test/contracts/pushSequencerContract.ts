import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { describeContract, type MakeWorld } from "./ContractWorld.js";

export function describePushSequencerContract(makeWorld: MakeWorld): void {
  describeContract("PushSequencer", makeWorld, (world) => {
    /** Runs two holders at once and says in what order their steps ran. */
    async function race(firstKeys: string[], secondKeys: string[]): Promise<string[]> {
      const steps: string[] = [];
      let entered!: () => void;
      const firstEntered = new Promise<void>((resolve) => (entered = resolve));
      const first = world().sequencer.inOrder(firstKeys, async () => {
        steps.push("first in");
        entered();
        await new Promise((resolve) => setTimeout(resolve, 150));
        steps.push("first out");
      });
      await firstEntered;
      const second = world().sequencer.inOrder(secondKeys, async () => void steps.push("second in"));
      await Promise.all([first, second]);
      return steps;
    }

    it("lets a second holder of a batch in only after the first is done", async () => {
      const [a, b] = [randomUUID(), randomUUID()];

      expect(await race([b, a], [a])).toEqual(["first in", "first out", "second in"]);
    });

    it("does not hold up another batch's work", async () => {
      expect(await race([randomUUID()], [randomUUID()])).toEqual(["first in", "second in", "first out"]);
    });

    it("returns the work's result and frees the batch when the work throws", async () => {
      const batchId = randomUUID();

      await expect(world().sequencer.inOrder([batchId], async () => Promise.reject(new Error("push failed")))).rejects.toThrow("push failed");

      expect(await world().sequencer.inOrder([batchId], async () => 42)).toBe(42);
    });
  });
}
