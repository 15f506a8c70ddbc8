import { cpus } from "node:os";
import type { FunctionContainers } from "@pipeline/local";
import type { BenchDatabase } from "../environment/startBenchDatabase.js";
import { childProcessesNamed, machineBusyMillis, nodeCpuMillis, postgresCpuMillis, processCpuMillis } from "./cpuTime.js";
import type { SqsRequestCounter } from "./SqsRequestCounter.js";
import type { StatementCount } from "./StatementCounter.js";

export interface Costs {
  /** The stack's own process (this one): pollers, the engines standing in for AWS (fauxqs, gateway, Postgres proxy), the containers' logs. */
  nodeCpuMillis: number;
  /** The functions' containers, by function. */
  containerCpuMillis: Record<string, number>;
  /** Containers alive at the start that were gone at the end: their CPU in the window is missing from the figure. */
  containersGone: number;
  /** The Postgres server's processes; null when the server is not on this machine. */
  postgresCpuMillis: number | null;
  /** The stack's PgBouncer; null when the functions connect direct. */
  poolerCpuMillis: number | null;
  /** Null when this server cannot count statements. */
  statements: StatementCount | null;
  sqsRequests: Record<string, number>;
  sqsRequestTotal: number;
  /**
   * CPU that other processes used during the window, as a share of the whole machine: the machine
   * is shared, and what others take is not available to the run.
   */
  otherProcessesCpuPercent: number;
}

/** What one measured window costs: CPU of every process of the stack, database statements and SQS requests, from start() to stop(). */
export class CostMeter {
  private nodeAtStart = 0;
  private postgresAtStart: number | undefined;
  private containersAtStart = new Map<number, number>();
  private poolerAtStart: number | null = null;
  private machineAtStart = 0;
  private startedAt = 0;

  constructor(
    private readonly database: BenchDatabase,
    private readonly sqs: SqsRequestCounter,
    private readonly containers: FunctionContainers,
    /** The queue engine's process: counted with the stack's own, whose part it was until #15. */
    private readonly enginePid: number | undefined,
  ) {}

  async start(): Promise<void> {
    if (!("unavailable" in this.database.statements)) await this.database.statements.reset();
    await this.sqs.reset();
    this.postgresAtStart = this.postgresCpu();
    this.poolerAtStart = poolerCpu();
    this.containersAtStart = processCpuMillis(this.containerPids().keys());
    this.machineAtStart = machineBusyMillis();
    this.nodeAtStart = this.stackCpuMillis();
    this.startedAt = performance.now();
  }

  /** The stack's process and its queue engine's. */
  private stackCpuMillis(): number {
    const engine = this.enginePid === undefined ? 0 : (processCpuMillis([this.enginePid]).get(this.enginePid) ?? 0);
    return nodeCpuMillis() + engine;
  }

  async stop(): Promise<Costs> {
    // CPU first: reading the statement counts costs CPU of its own.
    const node = this.stackCpuMillis() - this.nodeAtStart;
    const wall = performance.now() - this.startedAt;
    const machine = machineBusyMillis() - this.machineAtStart;
    const containerPids = this.containerPids();
    const containersNow = processCpuMillis(containerPids.keys());
    const postgresNow = this.postgresCpu();
    const poolerNow = poolerCpu();
    const sqsRequests = await this.sqs.byCommand();
    const sqsRequestTotal = Object.values(sqsRequests).reduce((sum, count) => sum + count, 0);
    const { statements } = this.database;
    const postgres = postgresNow === undefined || this.postgresAtStart === undefined ? null : postgresNow - this.postgresAtStart;
    const pooler = poolerNow === null || this.poolerAtStart === null ? null : poolerNow - this.poolerAtStart;
    const containerCpuMillis: Record<string, number> = {};
    for (const [pid, millis] of containersNow) {
      const functionName = containerPids.get(pid) ?? "unknown";
      // A container started within the window counts from zero.
      containerCpuMillis[functionName] = (containerCpuMillis[functionName] ?? 0) + millis - (this.containersAtStart.get(pid) ?? 0);
    }
    const containers = Object.values(containerCpuMillis).reduce((sum, millis) => sum + millis, 0);
    return {
      nodeCpuMillis: node,
      containerCpuMillis,
      containersGone: [...this.containersAtStart.keys()].filter((pid) => !containersNow.has(pid)).length,
      postgresCpuMillis: postgres,
      poolerCpuMillis: pooler,
      statements: "unavailable" in statements ? null : await statements.count(),
      sqsRequests,
      sqsRequestTotal,
      otherProcessesCpuPercent: Math.max(0, (100 * (machine - node - containers - (postgres ?? 0) - (pooler ?? 0))) / (wall * cpus().length)),
    };
  }

  private postgresCpu(): number | undefined {
    const pid = this.database.postmasterPid;
    return pid === undefined ? undefined : postgresCpuMillis(pid);
  }

  /** The containers' processes alive now, with their function's name. */
  private containerPids(): Map<number, string> {
    const pids = new Map<number, string>();
    for (const container of this.containers.list()) if (container.pid !== undefined) pids.set(container.pid, container.functionName);
    return pids;
  }
}

/** The stack's PgBouncer is a child of this process; null when there is none. */
function poolerCpu(): number | null {
  const pids = childProcessesNamed("pgbouncer");
  if (pids.length === 0) return null;
  return [...processCpuMillis(pids).values()].reduce((sum, millis) => sum + millis, 0);
}
