import { describe, expect, it } from "vitest";
import type { BatchControls, FlowOutcome } from "../ports/BatchControls.js";
import type { Logger } from "../ports/Logger.js";
import { changeBatchFlow, pauseBatch, resumeBatch } from "./flowControls.js";

const silent: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const BATCH = "00000000-0000-4000-8000-00000000000b";
const applied = (changed: boolean): FlowOutcome => ({ kind: "applied", changed, paused: false, priority: "interactive", maxInFlight: null });

function world(outcome: FlowOutcome, options: { sendFails?: boolean } = {}) {
  const sent: string[] = [];
  const queue = (name: string) => ({
    send: async () => {
      if (options.sendFails) throw new Error("queue down");
      sent.push(name);
    },
  });
  const controls = { pause: async () => outcome, resume: async () => outcome, changeFlow: async () => outcome } as unknown as BatchControls;
  return { sent, deps: { controls, batchQueue: queue("batch"), progressQueue: queue("progress"), logger: silent } };
}

describe("flow controls' messages", () => {
  it("a resume or a flow change tops the window up and has the clients told; a pause only tells the clients", async () => {
    const resume = world(applied(true));
    const change = world(applied(true));
    const pause = world(applied(true));

    await resumeBatch(resume.deps, BATCH, { by: "operator" });
    await changeBatchFlow(change.deps, BATCH, { maxInFlight: 5 }, { by: "owner", ownerId: "u" });
    await pauseBatch(pause.deps, BATCH, { by: "operator" });

    expect(resume.sent).toEqual(["batch", "progress"]);
    expect(change.sent).toEqual(["batch", "progress"]);
    expect(pause.sent).toEqual(["progress"]);
  });

  it("sends again when the batch was already as asked, so a control repeated after a failed send heals it", async () => {
    const failed = world(applied(true), { sendFails: true });
    await expect(resumeBatch(failed.deps, BATCH, { by: "operator" })).rejects.toThrow("queue down");

    const repeated = world(applied(false));
    await resumeBatch(repeated.deps, BATCH, { by: "operator" });

    expect(repeated.sent).toEqual(["batch", "progress"]);
  });

  it("sends nothing for an unknown or final batch", async () => {
    const unknown = world({ kind: "not-found" });
    const final = world({ kind: "already-final", status: "completed" });

    await pauseBatch(unknown.deps, BATCH, { by: "operator" });
    await resumeBatch(final.deps, BATCH, { by: "operator" });

    expect([...unknown.sent, ...final.sent]).toEqual([]);
  });
});
