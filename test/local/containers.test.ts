import { spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { bundleFunction, ContainerPool, createLocalCredentials, LAMBDA_RESERVED_VARIABLES, REPOSITORY_ROOT, scratchDir, type ContainerLogLine, type InvocationOutcome, type LocalFunction } from "@pipeline/local";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { waitFor } from "../support/waitFor.js";
import type { Behaviour } from "./fixtures/behaviours.js";

/** What the fixture's "describe" answers. */
interface Description {
  pid: number;
  invocations: number;
  remainingMillis: number;
  requestId: string;
}

describe("the local Lambda containers", () => {
  let dir: string;
  let fixture: Omit<LocalFunction, "name" | "timeoutSeconds" | "memoryMb" | "maxConcurrency">;
  const pools: ContainerPool[] = [];
  const lines: ContainerLogLine[] = [];

  beforeAll(async () => {
    dir = await scratchDir("pipeline-containers-");
    const bundle = await bundleFunction({ root: REPOSITORY_ROOT, handler: "test/local/fixtures/behaviours.handler", outDir: join(dir, "task") });
    fixture = {
      handler: "test/local/fixtures/behaviours.handler",
      handlerSetting: `${basename(bundle.file, ".mjs")}.${bundle.exportName}`,
      taskRoot: join(dir, "task"),
      bootstrapFile: inject("builtFunctions").bootstrapFile,
      runtime: "nodejs24.x",
      environment: { FIXTURE_SETTING: "from the function's environment" },
      background: false,
      region: "us-east-1",
      credentials: createLocalCredentials(),
      arn: "arn:aws:lambda:us-east-1:000000000000:function:behaviours",
    };
  });

  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.stop()));
    lines.length = 0;
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function pool(settings: { timeoutSeconds?: number; memoryMb?: number; maxConcurrency?: number; idleRetireMillis?: number } = {}): ContainerPool {
    const fn: LocalFunction = { ...fixture, name: "behaviours", timeoutSeconds: settings.timeoutSeconds ?? 10, memoryMb: settings.memoryMb ?? 256, maxConcurrency: settings.maxConcurrency ?? 2 };
    const created = new ContainerPool(fn, { idleRetireMillis: settings.idleRetireMillis ?? 60_000, log: (line) => lines.push(line) });
    pools.push(created);
    return created;
  }

  const invoke = (target: ContainerPool, behaviour: Behaviour) => target.invoke(behaviour);

  function returned<T>(outcome: InvocationOutcome): T {
    if (outcome.kind !== "returned") throw new Error(`expected a return, got ${JSON.stringify(outcome)}`);
    return outcome.payload as T;
  }

  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it("runs each invocation in a process of its own, one at a time per container, keeping module state while warm", async () => {
    const behaviours = pool({ maxConcurrency: 2 });

    const [first, second] = await Promise.all([invoke(behaviours, { action: "sleep", millis: 300 }), invoke(behaviours, { action: "sleep", millis: 300 })]);
    const warm = returned<Description>(await invoke(behaviours, { action: "describe" }));

    expect(returned(first)).toEqual({ slept: 300 });
    expect(returned(second)).toEqual({ slept: 300 });
    const containers = behaviours.list();
    expect(containers).toHaveLength(2);
    expect(new Set(containers.map((container) => container.pid)).size).toBe(2);
    expect(containers.map((container) => container.pid)).not.toContain(process.pid);
    expect(containers.map((container) => container.pid)).toContain(warm.pid);
    // The warm container's module was loaded once: this is its second invocation.
    expect(warm.invocations).toBe(2);
    expect(warm.remainingMillis).toBeGreaterThan(8_000);
    expect(warm.remainingMillis).toBeLessThanOrEqual(10_000);
    expect(behaviours.coldStarts).toHaveLength(2);
    for (const coldStart of behaviours.coldStarts) expect(coldStart.initMillis).toBeGreaterThan(0);
    expect(lines.filter((line) => line.stream === "runtime" && line.line.startsWith("INIT_REPORT Init Duration:"))).toHaveLength(2);
  });

  it("gives a container the function's environment and Lambda's variables, and nothing of the runner's", async () => {
    const behaviours = pool();
    const { pid } = returned<Description>(await invoke(behaviours, { action: "describe" }));

    const environ = (await readFile(`/proc/${pid}/environ`, "utf8")).split("\0").filter(Boolean);
    const variables = Object.fromEntries(environ.map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]));

    expect(Object.keys(variables).sort()).toEqual(["FIXTURE_SETTING", ...LAMBDA_RESERVED_VARIABLES].sort());
    expect(variables.FIXTURE_SETTING).toBe("from the function's environment");
    expect(variables._HANDLER).toBe(fixture.handlerSetting);
    expect(variables.LAMBDA_TASK_ROOT).toBe(fixture.taskRoot);
    expect(variables.AWS_LAMBDA_FUNCTION_MEMORY_SIZE).toBe("256");
  });

  it("runs a background function's containers at a lower scheduling priority than the others", async () => {
    const niceness = async (pid: number) => Number((await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]?.split(" ")[16]);
    const interactive = pool();
    const background = new ContainerPool({ ...fixture, background: true, name: "bulk", timeoutSeconds: 10, memoryMb: 256, maxConcurrency: 1 }, { idleRetireMillis: 60_000 });
    pools.push(background);

    const { pid: interactivePid } = returned<Description>(await invoke(interactive, { action: "describe" }));
    const { pid: backgroundPid } = returned<Description>(await invoke(background, { action: "describe" }));

    expect(await niceness(backgroundPid)).toBe((await niceness(interactivePid)) + 10);
  });

  it("keeps the container after a function error, as Lambda does, and reports the error's type and message", async () => {
    const behaviours = pool({ maxConcurrency: 1 });
    const before = returned<Description>(await invoke(behaviours, { action: "describe" }));

    const outcome = await invoke(behaviours, { action: "throw", message: "the function failed" });
    const after = returned<Description>(await invoke(behaviours, { action: "describe" }));

    expect(outcome).toEqual({ kind: "error", errorType: "TypeError", errorMessage: "the function failed" });
    expect(after.pid).toBe(before.pid);
    expect(after.invocations).toBe(3);
  });

  it.each([
    ["an uncaught exception", { action: "uncaught", message: "thrown from a timer" } as Behaviour],
    ["process.exit", { action: "exit", code: 3 } as Behaviour],
  ])("loses only the invocation on %s: its container is gone, the others carry on", async (_name, behaviour) => {
    const behaviours = pool({ maxConcurrency: 2 });
    const before = returned<Description>(await invoke(behaviours, { action: "describe" }));

    const [crashed, bystander] = await Promise.all([invoke(behaviours, behaviour), invoke(behaviours, { action: "sleep", millis: 500 })]);
    const after = returned<Description>(await invoke(behaviours, { action: "describe" }));

    expect(["error", "crashed"]).toContain(crashed.kind);
    if (behaviour.action === "exit") expect(crashed).toEqual({ kind: "crashed", reason: "exit code 3" });
    else expect(crashed).toMatchObject({ errorType: "RangeError", errorMessage: "thrown from a timer" });
    expect(returned(bystander)).toEqual({ slept: 500 });
    expect(alive(before.pid)).toBe(false);
    expect(after.pid).not.toBe(before.pid);
    expect(behaviours.list().map((container) => container.pid)).not.toContain(before.pid);
  });

  it("stops a container at the function's timeout; the next invocation starts cold", async () => {
    const behaviours = pool({ timeoutSeconds: 1, maxConcurrency: 1 });
    const before = returned<Description>(await invoke(behaviours, { action: "describe" }));

    const outcome = await invoke(behaviours, { action: "sleep", millis: 5_000 });
    const after = returned<Description>(await invoke(behaviours, { action: "describe" }));

    expect(outcome).toEqual({ kind: "timed-out", timeoutSeconds: 1 });
    expect(alive(before.pid)).toBe(false);
    expect(after.pid).not.toBe(before.pid);
    expect(after.invocations).toBe(1);
    expect(lines.some((line) => line.stream === "runtime" && line.line === "Task timed out after 1.00 seconds")).toBe(true);
  });

  it("ends a container whose heap outgrows the function's memory size (V8's limit is set from it)", async () => {
    const behaviours = pool({ memoryMb: 128, timeoutSeconds: 30, maxConcurrency: 1 });

    const outcome = await invoke(behaviours, { action: "heap" });
    const next = await invoke(behaviours, { action: "describe" });

    // V8's heap limit or the memory watch, whichever comes first: either is the function's memory size.
    expect(outcome.kind).toBe("crashed");
    expect(outcome.kind === "crashed" && outcome.reason).toMatch(/^(out of memory \(\d+ MB > 128 MB\)|signal SIGABRT|signal SIGTRAP|exit code 134)$/);
    expect(next.kind).toBe("returned");
  });

  it("ends a container whose resident memory outside the heap passes the function's memory size", async () => {
    const behaviours = pool({ memoryMb: 160, timeoutSeconds: 30, maxConcurrency: 1 });

    const outcome = await invoke(behaviours, { action: "native", mb: 400 });

    expect(outcome).toMatchObject({ kind: "crashed" });
    expect(outcome.kind === "crashed" && outcome.reason).toMatch(/^out of memory \(\d+ MB > 160 MB\)$/);
  });

  it("reports a handler that is not exported as an init error of the invocation", async () => {
    const broken = new ContainerPool({ ...fixture, handlerSetting: `${fixture.handlerSetting.split(".")[0]}.missing`, name: "broken", timeoutSeconds: 5, memoryMb: 128, maxConcurrency: 1 }, { idleRetireMillis: 60_000 });
    pools.push(broken);

    const outcome = await broken.invoke({ action: "describe" });

    expect(outcome).toMatchObject({ kind: "error", errorType: "Runtime.HandlerNotFound" });
    expect(broken.list()).toHaveLength(0);
  });

  it("ends a container whose runner was killed on its own, mid-invocation", async () => {
    const fn: LocalFunction = { ...fixture, name: "orphaned", timeoutSeconds: 120, memoryMb: 128, maxConcurrency: 1 };
    const runner = spawn(process.execPath, ["--import", "tsx", "test/local/fixtures/poolHarness.ts", JSON.stringify(fn)], { stdio: ["ignore", "pipe", "inherit"] });
    const { pid } = await new Promise<{ pid: number }>((resolve) => runner.stdout.once("data", (data: Buffer) => resolve(JSON.parse(data.toString()) as { pid: number })));
    expect(alive(pid)).toBe(true);

    runner.kill("SIGKILL");

    await waitFor(() => !alive(pid) || undefined, 5_000, "the orphaned container's exit");
  });

  it("retires a container left idle", async () => {
    const behaviours = pool({ idleRetireMillis: 300 });
    const { pid } = returned<Description>(await invoke(behaviours, { action: "describe" }));

    await new Promise((resolve) => setTimeout(resolve, 2_000));

    expect(behaviours.list()).toHaveLength(0);
    expect(alive(pid)).toBe(false);
  });
});
