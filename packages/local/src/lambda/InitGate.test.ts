import { describe, expect, it } from "vitest";
import { InitGate } from "./InitGate.js";

describe("InitGate", () => {
  it("runs at most its limit of inits at once, a function's first container ahead of the queue", async () => {
    const gate = new InitGate(2);
    const started: string[] = [];
    const finish = new Map<string, () => void>();
    let running = 0;
    let mostAtOnce = 0;
    const init = (name: string, urgent: boolean) =>
      gate.run(urgent, async () => {
        started.push(name);
        running++;
        mostAtOnce = Math.max(mostAtOnce, running);
        await new Promise<void>((resolve) => finish.set(name, resolve));
        running--;
        return name;
      });
    const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

    const all = [init("worker#1", true), init("worker#2", false), init("worker#3", false), init("worker#4", false), init("finalizer#1", true)];
    await flush();
    expect(started).toEqual(["worker#1", "worker#2"]);

    for (const name of ["worker#1", "worker#2", "finalizer#1", "worker#3", "worker#4"]) {
      finish.get(name)?.();
      await flush();
      await flush();
    }

    expect(await Promise.all(all)).toEqual(["worker#1", "worker#2", "worker#3", "worker#4", "finalizer#1"]);
    expect(started).toEqual(["worker#1", "worker#2", "finalizer#1", "worker#3", "worker#4"]);
    expect(mostAtOnce).toBe(2);
  });

  it("frees its place when an init fails", async () => {
    const gate = new InitGate(1);

    await expect(gate.run(true, () => Promise.reject(new Error("init failed")))).rejects.toThrow("init failed");

    expect(await gate.run(false, async () => "next")).toBe("next");
  });
});
