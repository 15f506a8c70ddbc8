import { Container } from "./Container.js";
import type { FunctionInvoker, InvocationOutcome } from "./FunctionInvoker.js";
import { InitGate } from "./InitGate.js";
import type { LocalFunction } from "./LocalFunction.js";

/** A line of a container's log: the function's own output, or what the runtime reports (cold starts, timeouts, exits). */
export interface ContainerLogLine {
  functionName: string;
  containerId: string;
  stream: "stdout" | "stderr" | "runtime";
  line: string;
}

export interface ColdStart {
  functionName: string;
  containerId: string;
  pid: number | undefined;
  initMillis: number;
}

export interface ContainerPoolOptions {
  /** A container unused this long is stopped. */
  idleRetireMillis: number;
  /** Shared by every function's pool: how many containers initialise at once. */
  initGate?: InitGate;
  log?: (line: ContainerLogLine) => void;
  onColdStart?: (coldStart: ColdStart) => void;
}

/** How often idle containers are checked for retirement. */
const RETIRE_CHECK_MILLIS = 1000;

/**
 * A function's containers, as Lambda keeps them: an invocation takes a warm idle container (the
 * most recently used) or starts one when fewer than the function's maximum exist, and waits for
 * one otherwise. A container that exits (crash, timeout, out of memory) is replaced on demand by a
 * cold one; an idle one is retired after `idleRetireMillis`.
 */
export class ContainerPool implements FunctionInvoker {
  private readonly containers = new Set<Container>();
  private readonly idle: Array<{ container: Container; since: number }> = [];
  private readonly waiting: Array<() => void> = [];
  private starting = 0;
  private nextIndex = 1;
  private stopped = false;
  private readonly inFlight = new Set<Promise<InvocationOutcome>>();
  private readonly retireTimer: ReturnType<typeof setInterval>;
  readonly coldStarts: ColdStart[] = [];
  private readonly initGate: InitGate;

  constructor(
    readonly fn: LocalFunction,
    private readonly options: ContainerPoolOptions,
  ) {
    this.initGate = options.initGate ?? new InitGate();
    this.retireTimer = setInterval(() => this.retireIdle(), RETIRE_CHECK_MILLIS);
    this.retireTimer.unref();
  }

  get functionName(): string {
    return this.fn.name;
  }

  /** The containers alive now, with their processes' ids. */
  list(): Array<{ id: string; pid: number | undefined; busy: boolean }> {
    const idle = new Set(this.idle.map((entry) => entry.container));
    return [...this.containers].map((container) => ({ id: container.id, pid: container.pid, busy: !idle.has(container) }));
  }

  /** Peak resident memory of each container alive now (Lambda's "Max Memory Used"), in MB. */
  peakMemory(): Promise<Array<{ id: string; peakMemoryMb: number | undefined }>> {
    return Promise.all([...this.containers].map(async (container) => ({ id: container.id, peakMemoryMb: await container.peakMemoryMb() })));
  }

  invoke(event: unknown): Promise<InvocationOutcome> {
    const invocation = this.run(event);
    this.inFlight.add(invocation);
    void invocation.finally(() => this.inFlight.delete(invocation));
    return invocation;
  }

  async stop(graceMillis = 0): Promise<void> {
    this.stopped = true;
    clearInterval(this.retireTimer);
    for (const wake of this.waiting.splice(0)) wake();
    if (this.inFlight.size > 0 && graceMillis > 0) {
      await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((resolve) => setTimeout(resolve, graceMillis).unref())]);
    }
    await Promise.all([...this.containers].map((container) => container.kill("stopped")));
  }

  private async run(event: unknown): Promise<InvocationOutcome> {
    let container: Container;
    try {
      container = await this.acquire();
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      return { kind: "error", errorType: failure.name === "Error" ? "Runtime.InitError" : failure.name, errorMessage: failure.message };
    }
    try {
      const outcome = await container.invoke(event);
      if (outcome.kind === "timed-out") this.runtimeLog(container.id, `Task timed out after ${outcome.timeoutSeconds.toFixed(2)} seconds`);
      return outcome;
    } finally {
      this.release(container);
    }
  }

  private async acquire(): Promise<Container> {
    for (;;) {
      if (this.stopped) throw Object.assign(new Error(`${this.fn.name}: the runtime is stopping`), { name: "Runtime.Stopping" });
      const warm = this.idle.pop();
      if (warm) {
        if (warm.container.alive) return warm.container;
        continue;
      }
      if (this.containers.size + this.starting < this.fn.maxConcurrency) return this.startContainer();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private async startContainer(): Promise<Container> {
    this.starting++;
    const index = this.nextIndex++;
    try {
      const container = await this.initGate.run(this.containers.size === 0, () =>
        Container.start(this.fn, index, {
          log: (line, stream) => this.options.log?.({ functionName: this.fn.name, containerId: `${this.fn.name}#${index}`, stream, line }),
          exited: (exited, reason) => this.forget(exited, reason),
        }),
      );
      this.containers.add(container);
      const coldStart = { functionName: this.fn.name, containerId: container.id, pid: container.pid, initMillis: container.initMillis };
      this.coldStarts.push(coldStart);
      this.runtimeLog(container.id, `INIT_REPORT Init Duration: ${container.initMillis.toFixed(2)} ms (pid ${container.pid})`);
      this.options.onColdStart?.(coldStart);
      return container;
    } catch (error) {
      this.runtimeLog(`${this.fn.name}#${index}`, `INIT_REPORT failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      throw error;
    } finally {
      this.starting--;
      this.wakeOne();
    }
  }

  private release(container: Container): void {
    if (container.alive && !this.stopped) this.idle.push({ container, since: Date.now() });
    this.wakeOne();
  }

  private forget(container: Container, reason: string): void {
    if (!this.containers.delete(container)) return;
    const at = this.idle.findIndex((entry) => entry.container === container);
    if (at >= 0) this.idle.splice(at, 1);
    if (reason !== "stopped" && reason !== "idle") this.runtimeLog(container.id, `Runtime exited: ${reason}`);
    this.wakeOne();
  }

  private wakeOne(): void {
    this.waiting.shift()?.();
  }

  private retireIdle(): void {
    const cutoff = Date.now() - this.options.idleRetireMillis;
    for (const entry of this.idle.filter((candidate) => candidate.since < cutoff)) void entry.container.kill("idle");
  }

  private runtimeLog(containerId: string, line: string): void {
    this.options.log?.({ functionName: this.fn.name, containerId, stream: "runtime", line });
  }
}
