import type { FunctionContainers } from "@pipeline/local";

export interface Kill {
  functionName: string;
  containerId: string;
  pid: number;
  /** Milliseconds since the killer started. */
  atMillis: number;
}

export interface ContainerKillerOptions {
  /** The functions whose busy containers may be killed. */
  functions: readonly string[];
  /** The wait between two kills is random within these bounds. */
  minGapMillis: number;
  maxGapMillis: number;
  random: () => number;
}

/** How often the killer looks for a busy container once a kill is due. */
const LOOK_EVERY_MILLIS = 10;

/**
 * Kills busy containers as a host failure or Lambda's own stop would: SIGKILL of the process, in
 * the middle of whatever invocation it runs, at random moments. The next kill goes to a function
 * killed least so far, so that short-lived invocations (the fan-out's) are met too.
 */
export class ContainerKiller {
  readonly kills: Kill[] = [];
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private started = 0;

  constructor(
    private readonly containers: FunctionContainers,
    private readonly options: ContainerKillerOptions,
  ) {}

  start(): void {
    this.running = true;
    this.started = Date.now();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** When each kill of `functionName`'s containers happened, in epoch milliseconds. */
  killTimesOf(functionName: string): number[] {
    return this.kills.filter((kill) => kill.functionName === functionName).map((kill) => this.started + kill.atMillis);
  }

  killsOf(functionName: string): number {
    return this.killTimesOf(functionName).length;
  }

  /** Pids of the processes this killer ended. */
  get pids(): Set<number> {
    return new Set(this.kills.map((kill) => kill.pid));
  }

  private async run(): Promise<void> {
    const { minGapMillis, maxGapMillis, random } = this.options;
    while (this.running) {
      await sleep(minGapMillis + random() * (maxGapMillis - minGapMillis));
      while (this.running && !this.killOne()) await sleep(LOOK_EVERY_MILLIS);
    }
  }

  private killOne(): boolean {
    const busy = this.containers.list().filter((container) => container.busy && container.pid !== undefined && this.options.functions.includes(container.functionName));
    if (busy.length === 0) return false;
    const fewest = Math.min(...busy.map((container) => this.killsOf(container.functionName)));
    const candidates = busy.filter((container) => this.killsOf(container.functionName) === fewest);
    const target = candidates[Math.floor(this.options.random() * candidates.length)];
    if (target?.pid === undefined) return false;
    try {
      process.kill(target.pid, "SIGKILL");
    } catch {
      // It ended on its own meanwhile: not a kill.
      return false;
    }
    this.kills.push({ functionName: target.functionName, containerId: target.id, pid: target.pid, atMillis: Date.now() - this.started });
    return true;
  }
}

function sleep(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}
