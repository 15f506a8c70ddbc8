import { reconcile, type ReconcileReport } from "@pipeline/core";
import type { Context, ScheduledEvent } from "aws-lambda";
import { reconcilerDepsFromEnv, type ReconcilerDeps } from "../composition/reconciler.js";
import { lambdaHandler } from "../lambdaHandler.js";

export interface ReconcileSummary {
  resentBatches: number;
  toppedUpBatches: number;
  finalizationRequested: number;
  finalPushRequested: number;
  repairedCounters: number;
  requeuedUploads: number;
  sweptConnections: number;
  stalled: number;
}

export function summarize(report: ReconcileReport): ReconcileSummary {
  return {
    resentBatches: report.resentBatches.length,
    toppedUpBatches: report.toppedUpBatches.length,
    finalizationRequested: report.finalizationRequested.length,
    finalPushRequested: report.finalPushRequested.length,
    repairedCounters: report.repairedCounters.length,
    requeuedUploads: report.requeuedUploads,
    sweptConnections: report.sweptConnections,
    stalled: report.stalled.length,
  };
}

/** The scheduled reconciler: repairs what crashes and lost messages left, and reports stalls. */
export function createReconcilerHandler(deps: ReconcilerDeps) {
  return async (_event: ScheduledEvent | Record<string, never>, context?: Context): Promise<ReconcileSummary> => {
    if (context) deps.logger.addContext?.(context);
    const report = await reconcile(deps, {
      now: new Date(),
      lostAfterSeconds: deps.lostAfterSeconds,
      stalledAfterSeconds: deps.stalledAfterSeconds,
      limit: deps.limit,
      deadLetterPeek: deps.deadLetterPeek,
      connectionSweep: deps.connectionSweep,
    });
    const summary = summarize(report);
    deps.logger.info("reconcile finished", { ...summary });
    deps.metrics.publish();
    return summary;
  };
}

export const handler = lambdaHandler(() => createReconcilerHandler(reconcilerDepsFromEnv()));
