import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { readStackFile, type StackFile } from "@pipeline/local";
import { waitFor } from "./waitFor.js";

const ROOT = resolve(import.meta.dirname, "../..");

export interface StackPorts {
  PORT: number;
  WS_PORT: number;
  WS_MANAGEMENT_PORT: number;
  SQS_PORT: number;
  PG_PORT: number;
  PG_PROXY_PORT: number;
  PG_POOLER_PORT: number;
}

/**
 * The local stack as `npm start` runs it (tsx and packages/local/src/main.ts, on the Node that
 * npm ci installed), in a process group of its own, as a terminal's foreground job is: a signal to
 * the group reaches every process of the stack, embedded Postgres and its backends included.
 */
export class StackProcess {
  private output = "";
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly dir: string,
  ) {
    child.stdout?.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((done) => child.once("exit", () => done()));
  }

  static start(dir: string, ports: StackPorts, args: string[] = []): StackProcess {
    const child = spawn(resolve(ROOT, "node_modules/.bin/tsx"), ["packages/local/src/main.ts", ...args], {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        // npm run puts the project's own bin folder, with the Node that npm ci installed, first.
        PATH: `${resolve(ROOT, "node_modules/.bin")}:${process.env.PATH ?? ""}`,
        LOCAL_DIR: dir,
        ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
      },
    });
    return new StackProcess(child, dir);
  }

  /** Waits for the banner, then reads the stack file this run wrote. */
  async ready(timeoutMillis = 90_000): Promise<StackFile> {
    // A stack that exited will not start: that is said at once, not after the timeout.
    const exited = () => (this.child.exitCode !== null ? `the stack exited with ${this.child.exitCode}:\n${this.output}` : undefined);
    await waitFor(() => exited() ?? this.output.includes("media batch pipeline is running"), timeoutMillis, "the stack to start");
    const failure = exited();
    if (failure && !this.output.includes("media batch pipeline is running")) throw new Error(failure);
    return readStackFile(this.dir);
  }

  /** The Node version the stack's banner names. */
  nodeVersion(): string | undefined {
    return /running on node v(\d+\.\d+\.\d+)/.exec(this.output)?.[1];
  }

  get log(): string {
    return this.output;
  }

  /**
   * The pids of this stack's function containers alive now, wherever they are: every process
   * running the runtime client `npm start` built into this stack's folder.
   */
  containerPids(): number[] {
    const bootstrap = join(resolve(this.dir), "functions", "runtime", "bootstrap.mjs");
    return readdirSync("/proc")
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(bootstrap);
        } catch {
          return false;
        }
      })
      .map(Number);
  }

  /** Sends `signal` to every process of the stack and waits until none is left. */
  async signalAll(signal: NodeJS.Signals, timeoutMillis = 30_000): Promise<void> {
    const group = this.child.pid;
    if (group === undefined) throw new Error("the stack never started");
    process.kill(-group, signal);
    await this.exited;
    await waitFor(() => !groupAlive(group), timeoutMillis, `every process of the stack to end after ${signal}`);
  }
}

function groupAlive(group: number): boolean {
  try {
    process.kill(-group, 0);
    return true;
  } catch {
    return false;
  }
}
