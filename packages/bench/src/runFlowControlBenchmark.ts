import { withBenchSession, type RunBenchmarkOptions } from "./benchSession.js";
import type { BenchmarkReport } from "./report/BenchmarkReport.js";
import { flowControlInvariants } from "./report/brokenInvariants.js";
import { flowControlRows } from "./report/flowControlRows.js";
import { describeWiring, titleLines } from "./report/formatTable.js";
import { summarizeContainers } from "./report/summarizeContainers.js";
import { renderRows } from "./report/tableCells.js";
import { flowControlTargets } from "./report/targets.js";
import { flowControlLine } from "./runBenchmark.js";
import { FLOW_CONTROL_STACK, measureFlowControl } from "./scenarios/measureFlowControl.js";

/** The flow-control scenario's part of the report, with what says how the run went. */
export type FlowControlReport = Pick<BenchmarkReport, "mode" | "startedAt" | "durationSeconds" | "machine" | "settings" | "flowControl" | "containers" | "targets" | "warnings">;

/** The flow-control scenario alone (`npm run bench -- --only flow`): a minute or two instead of the whole benchmark's ten. */
export async function runFlowControlBenchmark(options: RunBenchmarkOptions): Promise<FlowControlReport> {
  const { settings } = options;
  return withBenchSession(options, async ({ context, log, stacks, header, warnings }) => {
    log(flowControlLine(settings));
    const flowControl = await measureFlowControl(context, settings);
    return {
      mode: settings.mode,
      ...header(),
      settings,
      flowControl,
      containers: summarizeContainers(stacks, FLOW_CONTROL_STACK),
      targets: flowControlTargets(flowControl),
      warnings: warnings(),
    };
  });
}

export function formatFlowControlTable(report: FlowControlReport): string {
  const rows = flowControlRows(report.flowControl, report.targets, describeWiring(report.settings.workerMaxConcurrency));
  const missed = report.targets.filter((result) => !result.pass).length;
  const footer = [`${report.targets.length - missed} of ${report.targets.length} targets met.`];
  if (report.warnings.length > 0) footer.push(`${report.warnings.length} warning(s) from the functions and the runtime; see --json or stderr.`);
  return renderRows(titleLines(report), rows, footer);
}

export function brokenFlowControlInvariants(report: FlowControlReport): string[] {
  return flowControlInvariants(report.flowControl);
}
