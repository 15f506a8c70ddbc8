import { wiring } from "@pipeline/wiring";
import type { BenchmarkReport, FlowControl, TimedBatch } from "./BenchmarkReport.js";
import type { BatchRun } from "../runs/batchRun.js";

/**
 * What must hold whatever the speed: every upload of every run counted exactly once and terminal,
 * every pipeline batch's completion pushed to each of its owner's connections (pushed more than once
 * is a missed target, not a broken invariant: I3 asks for one finalization and its push), and the
 * fan-out sending exactly one message per upload. Returns what did not hold.
 */
export function brokenInvariants(report: BenchmarkReport): string[] {
  const broken: string[] = [];
  const pipelineRuns: Array<[string, BatchRun]> = [
    ["comparison, pipeline", report.seedComparison.pipeline.run],
    ["overhead, pipeline", report.overhead.pipeline.run],
    ["real images", report.realImages.costs.run],
  ];
  const seedRuns: Array<[string, BatchRun]> = [
    ["comparison, seed port", report.seedComparison.seed.run],
    ["overhead, seed port", report.overhead.seed.run],
  ];
  for (const [name, run] of [...pipelineRuns, ...seedRuns]) {
    if (run.counted !== run.uploads) broken.push(`${name}: ${run.counted} of ${run.uploads} uploads counted`);
    if (run.terminal !== run.uploads) broken.push(`${name}: ${run.terminal} of ${run.uploads} uploads terminal`);
  }
  for (const [name, run] of pipelineRuns) {
    if (run.completedPushes === 0) broken.push(`${name}: no batch.completed push to the owner's connection`);
  }
  report.realImages.completedPushesPerConnection.forEach((completions, index) => {
    if (completions === 0) broken.push(`real images: no batch.completed push to the owner's connection ${index + 1}`);
  });
  // The fan-out releases one window (the deployed default); a repeated message finds it full.
  const window = wiring.flowControl.defaultMaxInFlight;
  for (const run of report.fanOut) {
    const expected = Math.min(run.uploads, window);
    if (run.messagesSent !== expected) broken.push(`fan-out of ${run.uploads}: ${run.messagesSent} messages sent, ${expected} expected (one window)`);
    if (run.messagesSentAgain !== 0) broken.push(`fan-out of ${run.uploads}, sent again: ${run.messagesSentAgain} messages sent while the window was full`);
  }
  const { perUpload, perUploadWithRow, aggregated } = report.counterContention;
  for (const [name, run] of [["per-upload increments", perUpload], ["row update and increment", perUploadWithRow], ["aggregated outcomes", aggregated]] as const) {
    if (run.counted !== run.uploads) broken.push(`counter contention, ${name}: ${run.counted} of ${run.uploads} uploads counted`);
  }
  broken.push(...flowControlInvariants(report.flowControl));
  return broken;
}

/**
 * Flow control: every measured batch counted once, terminal and its completion pushed; every
 * cancelled batch counted in full, and none of its uploads started after the cancel.
 */
export function flowControlInvariants(flow: FlowControl): string[] {
  const broken: string[] = [];
  // Every run behind a big batch, the repeated ones included.
  const everyBehindBig = flow.small.behindBig.flatMap((behind) => behind.runs ?? [behind]);
  const measured: Array<[string, TimedBatch]> = [
    ...flow.small.alone.map((run, index): [string, TimedBatch] => [`small batch alone (${index + 1})`, run]),
    ...everyBehindBig.map((behind): [string, TimedBatch] => [`small batch behind ${behind.others[0]?.uploads ?? "?"}`, behind.measured]),
    ["small batch behind an interactive big one", flow.small.behindInteractiveBig.measured],
    ["interactive batch alone", flow.interactive.alone],
    ["interactive batch behind bulk", flow.interactive.behindBulk.measured],
  ];
  for (const [name, run] of measured) {
    if (run.counted !== run.uploads) broken.push(`flow control, ${name}: ${run.counted} of ${run.uploads} uploads counted`);
    if (run.terminal !== run.uploads) broken.push(`flow control, ${name}: ${run.terminal} of ${run.uploads} uploads terminal`);
    if (run.completedPushes === 0) broken.push(`flow control, ${name}: no batch.completed push to the owner's connection`);
  }
  for (const behind of [...everyBehindBig, flow.small.behindInteractiveBig, flow.interactive.behindBulk]) {
    for (const other of behind.others) {
      const name = `flow control, cancelled ${other.priority} batch of ${other.uploads}`;
      if (other.counted !== other.total) broken.push(`${name}: ${other.counted} of ${other.total} uploads counted`);
      if (other.unfinishedAfterCancel !== 0) broken.push(`${name}: ${other.unfinishedAfterCancel} uploads started or left unfinished after the cancel`);
    }
  }
  return broken;
}
