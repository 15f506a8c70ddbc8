import { FUNCTION_NAMES, KILL_KINDS } from "./FaultInjector.js";
import type { ChaosReport } from "./runChaosRound.js";

/** The figures of a chaos round, as they go into docs/reliability.md. */
export function formatChaosReport(report: ChaosReport): string {
  const { faults } = report;
  const killed = FUNCTION_NAMES.map((fn) => `${fn} ${KILL_KINDS.map((kind) => `${kind} ${faults.killed[fn][kind]}`).join(", ")}`).join("; ");
  const totalKilled = FUNCTION_NAMES.reduce((sum, fn) => sum + KILL_KINDS.reduce((inner, kind) => inner + faults.killed[fn][kind], 0), 0);
  const invocations = FUNCTION_NAMES.reduce((sum, fn) => sum + faults.invocations[fn], 0);
  return [
    `chaos round ${report.round}: ${report.settled ? "settled" : "DID NOT SETTLE"} in ${report.seconds.toFixed(1)} s, ${report.violations.length} invariant violation(s), ${report.crashes.length} uncaught exception(s)`,
    `  uploads ${report.uploads} in ${report.batches} batches (${report.brokenUploads} failing permanently), ${report.clients} WebSocket clients, ${report.framesReceived} frames received (${report.latePushes} late, just after a terminated session)`,
    `  invocations ${invocations} (${FUNCTION_NAMES.map((fn) => `${fn} ${faults.invocations[fn]}`).join(", ")}); runner outcomes ${FUNCTION_NAMES.map((fn) => `${fn} ${JSON.stringify(faults.outcomes[fn])}`).join(", ")}`,
    `  duplicates delivered ${faults.duplicatesDelivered} (copies sent: ${FUNCTION_NAMES.map((fn) => `${fn} ${faults.copiesSent[fn]}`).join(", ")}); redeliveries ${faults.redeliveries}`,
    `  invocations killed ${totalKilled}: ${killed}; planned kills not reached ${faults.killsNotReached}`,
    `  Postgres: ${report.terminations} terminations, ${report.connectionsTerminated} connections terminated`,
    `  progress messages dropped ${faults.progressDropped}; processor calls ${report.processorCalls}`,
    `  reconciler: ${report.reconcile.runs} runs (${report.reconcile.failedRuns} failed), finalization requested ${report.reconcile.finalizationRequested}, final push requested ${report.reconcile.finalPushRequested}, uploads re-enqueued ${report.reconcile.requeuedUploads}, batches re-sent ${report.reconcile.resentBatches}, counters repaired ${report.reconcile.repairedCounters}`,
    `  flow controls: paused ${report.flow.paused}, resumed ${report.flow.resumed}, windows changed ${report.flow.limitsChanged}, priorities changed ${report.flow.prioritiesChanged}, cancelled ${report.flow.cancelled}, too late (batch final) ${report.flow.tooLate}, retried after a terminated session ${report.flow.retried}`,
    `  dead letters: ${JSON.stringify(report.deadLetters)}; finalization log lines lost to a kill after the commit ${report.finalizationLogsLost}`,
    ...report.violations.map((violation) => `  VIOLATION ${violation}`),
    ...report.crashes.map((crash) => `  UNCAUGHT ${crash}`),
  ].join("\n");
}
