import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { describeContract, type MakeWorld } from "./ContractWorld.js";

export function describeConnectionRepositoryContract(makeWorld: MakeWorld): void {
  describeContract("ConnectionRepository", makeWorld, (world) => {
    it("records connections under their user, replaces a reused id's user, and removes them", async () => {
      const [alice, bob] = [`alice-${randomUUID()}`, `bob-${randomUUID()}`];
      const [one, two] = [randomUUID(), randomUUID()];
      await world().connections.add({ connectionId: one, userId: alice });
      await world().connections.add({ connectionId: two, userId: alice });
      await world().connections.add({ connectionId: two, userId: bob });

      expect(await world().connections.forUsers([alice])).toEqual([{ connectionId: one, userId: alice }]);
      expect(await world().connections.userOf(two)).toBe(bob);
      expect(await world().connections.forUsers([])).toEqual([]);

      await world().connections.remove(one);
      await world().connections.remove(randomUUID());

      expect(await world().connections.userOf(one)).toBeUndefined();
      expect(await world().connections.forUsers([alice, bob])).toEqual([{ connectionId: two, userId: bob }]);
    });

    it("lists and removes connections opened before a cutoff, not younger ones", async () => {
      const connectionId = randomUUID();
      await world().connections.add({ connectionId, userId: "sweeper" });
      const anHourAgo = new Date(Date.now() - 60 * 60 * 1000);
      const inAnHour = new Date(Date.now() + 60 * 60 * 1000);

      expect(await world().connections.connectedBefore(anHourAgo)).not.toContainEqual({ connectionId, userId: "sweeper" });
      expect(await world().connections.removeConnectedBefore(anHourAgo)).toBe(0);
      expect(await world().connections.connectedBefore(inAnHour)).toContainEqual({ connectionId, userId: "sweeper" });
      expect(await world().connections.removeConnectedBefore(inAnHour)).toBeGreaterThanOrEqual(1);
      expect(await world().connections.userOf(connectionId)).toBeUndefined();
    });
  });
}
