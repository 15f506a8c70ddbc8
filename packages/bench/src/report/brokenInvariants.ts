import type { BenchmarkReport } from "./BenchmarkReport.js";
import type { BatchRun } from "../runs/batchRun.js";

/**
 * What must hold whatever the speed: every upload of every run counted exactly once and terminal,
 * and the fan-out sending exactly one message per upload. Returns what did not hold.
 */
export function brokenInvariants(report: BenchmarkReport): string[] {
  const broken: string[] = [];
  const runs: Array<[string, BatchRun]> = [
    ["comparison, pipeline", report.seedComparison.pipeline.run],
    ["comparison, seed port", report.seedComparison.seed.run],
    ["overhead, pipeline", report.overhead.pipeline.run],
    ["overhead, seed port", report.overhead.seed.run],
  ];
  for (const [name, run] of runs) {
    if (run.counted !== run.uploads) broken.push(`${name}: ${run.counted} of ${run.uploads} uploads counted`);
    if (run.terminal !== run.uploads) broken.push(`${name}: ${run.terminal} of ${run.uploads} uploads terminal`);
  }
  for (const run of report.fanOut) {
    if (run.messagesSent !== run.uploads) broken.push(`fan-out of ${run.uploads}: ${run.messagesSent} messages sent`);
    if (run.messagesSentAgain !== run.uploads) broken.push(`fan-out of ${run.uploads}, sent again: ${run.messagesSentAgain} messages sent`);
  }
  const { perUpload, perUploadWithRow, aggregated } = report.counterContention;
  for (const [name, run] of [["per-upload increments", perUpload], ["row update and increment", perUploadWithRow], ["aggregated outcomes", aggregated]] as const) {
    if (run.counted !== run.uploads) broken.push(`counter contention, ${name}: ${run.counted} of ${run.uploads} uploads counted`);
  }
  return broken;
}
