import type { CostMeter, Costs } from "../measure/CostMeter.js";
import type { RunCosts } from "../report/BenchmarkReport.js";
import type { BenchContext } from "../scenarios/BenchContext.js";
import type { BatchRun } from "./batchRun.js";
import type { Window } from "./measuredRuns.js";

/** A window that starts on settled tables, its batch's rows included in the planner's statistics. */
export function metered(context: BenchContext, meter: CostMeter): Window & { costs(): Costs } {
  let costs: Costs | undefined;
  return {
    start: async () => {
      await context.database.settle();
      await meter.start();
    },
    stop: async () => {
      costs = await meter.stop();
    },
    costs: () => {
      if (!costs) throw new Error("the measured window never closed");
      return costs;
    },
  };
}

/** A run's costs per upload. */
export function perUpload<R extends BatchRun>(run: R, costs: Costs): RunCosts<R> {
  const n = run.uploads;
  const byFunction = Object.fromEntries(Object.entries(costs.containerCpuMillis).map(([name, millis]) => [name, millis / n]));
  return {
    run,
    nodeCpuMsPerUpload: costs.nodeCpuMillis / n,
    containerCpuMsPerUpload: Object.values(byFunction).reduce((sum, millis) => sum + millis, 0),
    containerCpuMsPerUploadByFunction: byFunction,
    containersGone: costs.containersGone,
    postgresCpuMsPerUpload: costs.postgresCpuMillis === null ? null : costs.postgresCpuMillis / n,
    poolerCpuMsPerUpload: costs.poolerCpuMillis === null ? null : costs.poolerCpuMillis / n,
    statementsPerUpload: costs.statements === null ? null : costs.statements.total / n,
    topStatements: costs.statements?.top ?? [],
    sqsRequestsPerUpload: costs.sqsRequestTotal / n,
    sqsRequests: costs.sqsRequests,
    otherProcessesCpuPercent: costs.otherProcessesCpuPercent,
  };
}
