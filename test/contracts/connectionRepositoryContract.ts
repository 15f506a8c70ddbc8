import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { describeContract, type MakeWorld } from "./ContractWorld.js";

const HOUR = 60 * 60 * 1000;
const inAnHour = () => new Date(Date.now() + HOUR);
const aMinuteAgo = () => new Date(Date.now() - 60 * 1000);
/** A bucket that does not refill within a test. */
const noRefill = (burst: number) => ({ burst, refillPerSecond: 0.001 });

export function describeConnectionRepositoryContract(makeWorld: MakeWorld): void {
  describeContract("ConnectionRepository", makeWorld, (world) => {
    it("records connections under their user, replaces a reused id's user, and removes them", async () => {
      const [alice, bob] = [`alice-${randomUUID()}`, `bob-${randomUUID()}`];
      const [one, two] = [randomUUID(), randomUUID()];
      await world().connections.add({ connectionId: one, userId: alice, tokenExpiresAt: inAnHour() });
      await world().connections.add({ connectionId: two, userId: alice, tokenExpiresAt: inAnHour() });
      await world().connections.add({ connectionId: two, userId: bob, tokenExpiresAt: inAnHour() });

      expect(await world().connections.forUsers([alice])).toEqual([{ connectionId: one, userId: alice }]);
      expect(await world().connections.admitFrame(two, noRefill(5))).toEqual({ kind: "admitted", userId: bob });
      expect(await world().connections.forUsers([])).toEqual([]);

      await world().connections.remove(one);
      await world().connections.remove(randomUUID());

      expect(await world().connections.admitFrame(one, noRefill(5))).toEqual({ kind: "unknown" });
      expect(await world().connections.forUsers([alice, bob])).toEqual([{ connectionId: two, userId: bob }]);
    });

    it("lists and removes connections opened before a cutoff, not younger ones", async () => {
      const connectionId = randomUUID();
      await world().connections.add({ connectionId, userId: "sweeper", tokenExpiresAt: inAnHour() });
      const anHourAgo = new Date(Date.now() - HOUR);

      expect(await world().connections.connectedBefore(anHourAgo)).not.toContainEqual({ connectionId, userId: "sweeper" });
      expect(await world().connections.removeConnectedBefore(anHourAgo)).toBe(0);
      expect(await world().connections.connectedBefore(inAnHour())).toContainEqual({ connectionId, userId: "sweeper" });
      expect(await world().connections.removeConnectedBefore(inAnHour())).toBeGreaterThanOrEqual(1);
      expect(await world().connections.admitFrame(connectionId, noRefill(5))).toEqual({ kind: "unknown" });
    });

    it("serves a connection only until its token expires: no pushes, frames refused, removed by expiry", async () => {
      const user = `expiring-${randomUUID()}`;
      const [live, expired, older] = [randomUUID(), randomUUID(), randomUUID()];
      await world().connections.add({ connectionId: live, userId: user, tokenExpiresAt: inAnHour() });
      await world().connections.add({ connectionId: expired, userId: user, tokenExpiresAt: aMinuteAgo() });
      await world().connections.add({ connectionId: older, userId: user, tokenExpiresAt: new Date(Date.now() - HOUR) });

      expect(await world().connections.forUsers([user])).toEqual([{ connectionId: live, userId: user }]);
      expect(await world().connections.admitFrame(expired, noRefill(5))).toEqual({ kind: "token_expired" });
      expect(await world().connections.admitFrame(live, noRefill(5))).toEqual({ kind: "admitted", userId: user });

      const firstRun = await world().connections.removeExpired(new Date(), 1);
      const secondRun = await world().connections.removeExpired(new Date(), 1000);

      expect(firstRun).toEqual([{ connectionId: older, userId: user }]);
      expect(secondRun).toContainEqual({ connectionId: expired, userId: user });
      expect(secondRun).not.toContainEqual({ connectionId: live, userId: user });
      expect(await world().connections.admitFrame(expired, noRefill(5))).toEqual({ kind: "unknown" });
      expect(await world().connections.admitFrame(live, noRefill(5))).toEqual({ kind: "admitted", userId: user });
    });

    it("admits a connection's frames up to its burst, then refuses them until the bucket refills", async () => {
      const [connectionId, other] = [randomUUID(), randomUUID()];
      await world().connections.add({ connectionId, userId: "chatty", tokenExpiresAt: inAnHour() });
      await world().connections.add({ connectionId: other, userId: "chatty", tokenExpiresAt: inAnHour() });

      const kinds = [];
      for (let frame = 0; frame < 4; frame++) kinds.push((await world().connections.admitFrame(connectionId, noRefill(3))).kind);

      expect(kinds).toEqual(["admitted", "admitted", "admitted", "rate_limited"]);
      expect((await world().connections.admitFrame(other, noRefill(3))).kind, "each connection has a bucket of its own").toBe("admitted");
      // 50 tokens a second: one is back within 20 ms, whatever the refused frames took.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await world().connections.admitFrame(connectionId, { burst: 3, refillPerSecond: 50 })).kind).toBe("admitted");
    });

    it("admits exactly the burst when a connection's frames arrive at once", async () => {
      const connectionId = randomUUID();
      await world().connections.add({ connectionId, userId: "flood", tokenExpiresAt: inAnHour() });

      const admissions = await Promise.all(Array.from({ length: 12 }, () => world().connections.admitFrame(connectionId, noRefill(5))));

      expect(admissions.filter((admission) => admission.kind === "admitted")).toHaveLength(5);
      expect(admissions.filter((admission) => admission.kind === "rate_limited")).toHaveLength(7);
    });

    it("gives a reused connection id a full bucket and its new token's expiry", async () => {
      const connectionId = randomUUID();
      await world().connections.add({ connectionId, userId: "reused", tokenExpiresAt: aMinuteAgo() });
      await world().connections.admitFrame(connectionId, noRefill(1));
      await world().connections.admitFrame(connectionId, noRefill(1));

      await world().connections.add({ connectionId, userId: "reused", tokenExpiresAt: inAnHour() });

      expect(await world().connections.admitFrame(connectionId, noRefill(1))).toEqual({ kind: "admitted", userId: "reused" });
    });
  });
}
