import { cpus } from "node:os";
import type { BenchDatabase } from "../environment/startBenchDatabase.js";
import { machineBusyMillis, nodeCpuMillis, postgresCpuMillis } from "./cpuTime.js";
import type { SqsRequestCounter } from "./SqsRequestCounter.js";
import type { StatementCount } from "./StatementCounter.js";

export interface Costs {
  /** This Node process: the functions, and the engines standing in for AWS (fauxqs, gateway, Postgres proxy). */
  nodeCpuMillis: number;
  /** The Postgres server's processes; null when the server is not on this machine. */
  postgresCpuMillis: number | null;
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

/** What one measured window costs: CPU, database statements and SQS requests, from start() to stop(). */
export class CostMeter {
  private nodeAtStart = 0;
  private postgresAtStart: number | undefined;
  private machineAtStart = 0;
  private startedAt = 0;

  constructor(
    private readonly database: BenchDatabase,
    private readonly sqs: SqsRequestCounter,
  ) {}

  async start(): Promise<void> {
    if (!("unavailable" in this.database.statements)) await this.database.statements.reset();
    this.sqs.reset();
    this.postgresAtStart = this.postgresCpu();
    this.machineAtStart = machineBusyMillis();
    this.nodeAtStart = nodeCpuMillis();
    this.startedAt = performance.now();
  }

  async stop(): Promise<Costs> {
    // CPU first: reading the statement counts costs CPU of its own.
    const node = nodeCpuMillis() - this.nodeAtStart;
    const wall = performance.now() - this.startedAt;
    const machine = machineBusyMillis() - this.machineAtStart;
    const postgresNow = this.postgresCpu();
    const sqsRequests = this.sqs.byCommand();
    const sqsRequestTotal = this.sqs.total();
    const { statements } = this.database;
    const postgres = postgresNow === undefined || this.postgresAtStart === undefined ? null : postgresNow - this.postgresAtStart;
    return {
      nodeCpuMillis: node,
      postgresCpuMillis: postgres,
      statements: "unavailable" in statements ? null : await statements.count(),
      sqsRequests,
      sqsRequestTotal,
      otherProcessesCpuPercent: Math.max(0, (100 * (machine - node - (postgres ?? 0))) / (wall * cpus().length)),
    };
  }

  private postgresCpu(): number | undefined {
    const pid = this.database.postmasterPid;
    return pid === undefined ? undefined : postgresCpuMillis(pid);
  }
}
