import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { setPriority } from "node:os";
import { createInterface } from "node:readline";
import type { InvocationOutcome } from "./FunctionInvoker.js";
import type { LocalFunction } from "./LocalFunction.js";
import { RuntimeApi, type RuntimeReport } from "./RuntimeApi.js";
import type { FunctionError } from "./container/functionError.js";

/** The niceness of a background function's containers: the others' runnable work goes first. */
const BACKGROUND_NICENESS = 10;
/** V8's heap limit as a share of the function's memory size: the rest is the process's native memory. */
const HEAP_SHARE = 0.9;
/** How often a busy container's resident memory is checked against the function's memory size. */
const MEMORY_CHECK_MILLIS = 250;

export interface ContainerEvents {
  /** A line the function wrote to stdout or stderr (its CloudWatch log stream on AWS). */
  log(line: string, stream: "stdout" | "stderr"): void;
  /** The container's process ended; it takes no more invocations. */
  exited(container: Container, reason: string): void;
}

interface Current {
  requestId: string;
  settle(outcome: InvocationOutcome): void;
}

/**
 * One execution environment of a function: a Node process of its own running the bundle behind
 * its own Runtime API, one invocation at a time. A timed-out invocation or one that uses more
 * than the function's memory stops the process; so does anything that ends it from inside.
 */
export class Container {
  readonly id: string;
  private readonly process: ChildProcess;
  private current: Current | undefined;
  private exitReason: string | undefined;
  private readonly exit: Promise<void>;
  private stopping: string | undefined;
  /** Cold start: from spawn to the first `next` (module load and init), in ms. */
  initMillis = 0;
  invocations = 0;

  private constructor(
    readonly fn: LocalFunction,
    private readonly runtimeApi: RuntimeApi,
    runtimeApiAddress: string,
    index: number,
    private readonly events: ContainerEvents,
  ) {
    this.id = `${fn.name}#${index}`;
    const heapMb = Math.floor(fn.memoryMb * HEAP_SHARE);
    this.process = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, fn.bootstrapFile, `--container=${this.id}`], {
      env: { ...fn.environment, ...lambdaVariables(fn, runtimeApiAddress, this.id) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (fn.background && this.process.pid !== undefined) setPriority(this.process.pid, BACKGROUND_NICENESS);
    for (const stream of ["stdout", "stderr"] as const) {
      const source = this.process[stream];
      if (source) createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => events.log(line, stream));
    }
    this.exit = new Promise((resolve) => {
      this.process.once("exit", (code, signal) => {
        this.exitReason = this.stopping ?? (signal ? `signal ${signal}` : `exit code ${code}`);
        this.current?.settle({ kind: "crashed", reason: this.exitReason });
        this.current = undefined;
        void this.runtimeApi.close();
        events.exited(this, this.exitReason);
        resolve();
      });
    });
  }

  /** Starts a container and waits for its init: resolves once it asks for its first event. */
  static async start(fn: LocalFunction, index: number, events: ContainerEvents): Promise<Container> {
    let signalReady!: () => void;
    let signalInitError!: (error: FunctionError) => void;
    const ready = new Promise<void>((resolve, reject) => {
      signalReady = resolve;
      signalInitError = (error) => reject(Object.assign(new Error(error.errorMessage), { name: error.errorType }));
    });
    const started: { container?: Container } = {};
    const runtimeApi = new RuntimeApi({
      ready: () => signalReady(),
      initError: (error) => signalInitError(error),
      report: (requestId, report) => started.container?.settleReport(requestId, report),
    });
    const address = await runtimeApi.listen();
    const startedAt = performance.now();
    const container = new Container(fn, runtimeApi, address, index, events);
    started.container = container;
    const exited = container.exit.then(() => {
      throw new Error(`container ${container.id} exited during init: ${container.exitReason}`);
    });
    try {
      await Promise.race([ready, exited]);
    } catch (error) {
      await container.kill("init failed");
      throw error;
    }
    container.initMillis = performance.now() - startedAt;
    return container;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  /** False from the moment the container is being stopped: it takes no more invocations. */
  get alive(): boolean {
    return this.exitReason === undefined && this.stopping === undefined;
  }

  /** Runs one invocation; a container runs one at a time. */
  invoke(event: unknown): Promise<InvocationOutcome> {
    if (!this.alive) return Promise.resolve({ kind: "crashed", reason: `container already stopped (${this.exitReason ?? this.stopping})` });
    if (this.current) throw new Error(`container ${this.id} is busy`);
    const requestId = randomUUID();
    const timeoutMillis = this.fn.timeoutSeconds * 1000;
    this.invocations++;
    return new Promise<InvocationOutcome>((resolve) => {
      const timer = setTimeout(() => {
        this.stopping ??= "timed out";
        settle({ kind: "timed-out", timeoutSeconds: this.fn.timeoutSeconds });
        void this.kill("timed out");
      }, timeoutMillis);
      const memoryCheck = setInterval(() => void this.checkMemory(), MEMORY_CHECK_MILLIS);
      const settle = (outcome: InvocationOutcome) => {
        if (this.current?.requestId !== requestId) return;
        this.current = undefined;
        clearTimeout(timer);
        clearInterval(memoryCheck);
        resolve(outcome);
      };
      this.current = { requestId, settle };
      this.runtimeApi.deliver({ requestId, event: JSON.stringify(event), deadlineMs: Date.now() + timeoutMillis, functionArn: this.fn.arn });
    });
  }

  /** Peak resident memory of the process so far (Lambda's "Max Memory Used"), in MB. */
  async peakMemoryMb(): Promise<number | undefined> {
    const status = await readStatus(this.process.pid);
    const match = status && /VmHWM:\s+(\d+) kB/.exec(status);
    return match?.[1] ? Number(match[1]) / 1024 : undefined;
  }

  /** Stops the process (SIGKILL, as Lambda stops a sandbox) and waits for it to be gone. */
  async kill(reason: string): Promise<void> {
    if (this.exitReason === undefined) {
      this.stopping ??= reason;
      this.process.kill("SIGKILL");
    }
    await this.exit;
  }

  private settleReport(requestId: string, report: RuntimeReport): void {
    if (this.current?.requestId !== requestId) return;
    if (report.kind === "error") {
      this.current.settle({ kind: "error", errorType: report.error.errorType, errorMessage: report.error.errorMessage });
      return;
    }
    let payload: unknown;
    try {
      payload = report.body === "" ? null : JSON.parse(report.body);
    } catch {
      this.current.settle({ kind: "error", errorType: "Runtime.InvalidResponse", errorMessage: "the function's response is not JSON" });
      return;
    }
    this.current.settle({ kind: "returned", payload });
  }

  private async checkMemory(): Promise<void> {
    const status = await readStatus(this.process.pid);
    const match = status && /VmRSS:\s+(\d+) kB/.exec(status);
    if (!match?.[1] || !this.current) return;
    const rssMb = Number(match[1]) / 1024;
    if (rssMb > this.fn.memoryMb) {
      this.events.log(`Runtime.OutOfMemory: ${rssMb.toFixed(0)} MB used, the function has ${this.fn.memoryMb} MB`, "stderr");
      await this.kill(`out of memory (${rssMb.toFixed(0)} MB > ${this.fn.memoryMb} MB)`);
    }
  }
}

async function readStatus(pid: number | undefined): Promise<string | undefined> {
  if (pid === undefined) return undefined;
  return readFile(`/proc/${pid}/status`, "utf8").catch(() => undefined);
}

/** What Lambda sets in every execution environment, besides the function's own environment. */
function lambdaVariables(fn: LocalFunction, runtimeApi: string, containerId: string): Record<string, string> {
  return {
    AWS_LAMBDA_RUNTIME_API: runtimeApi,
    _HANDLER: fn.handlerSetting,
    LAMBDA_TASK_ROOT: fn.taskRoot,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `local/[$LATEST]${containerId}`,
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_REGION: fn.region,
    AWS_DEFAULT_REGION: fn.region,
    // The execution role's credentials: the stack's key pair, which the local engines check (no
    // session token: the pair is long-lived, like an IAM user's).
    AWS_ACCESS_KEY_ID: fn.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: fn.credentials.secretAccessKey,
    TZ: ":UTC",
    LANG: "en_US.UTF-8",
    PATH: "/usr/local/bin:/usr/bin/:/bin",
  };
}

/** The variables the runner adds to a function's own environment, as Lambda does. */
export const LAMBDA_RESERVED_VARIABLES = Object.keys(lambdaVariables({ name: "", handlerSetting: "", taskRoot: "", runtime: "nodejs24.x", memoryMb: 0, region: "", credentials: { accessKeyId: "", secretAccessKey: "" } } as LocalFunction, "", ""));
