/**
 * The long runs: `npm run soak -- --minutes N` repeats the chaos round of test/reliability on one
 * local stack until the time is up; `npm run soak -- --load` runs the load scenario at full size.
 * Each stack runs its own embedded Postgres in a temporary folder. Exits 1 on any violation.
 */
import { rm } from "node:fs/promises";
import { availableParallelism, cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { freePort, scratchDir, startLocalStack, type LocalStack } from "@pipeline/local";

import { DatabaseAdmin } from "./support/DatabaseAdmin.js";
import { FUNCTION_NAMES, KILL_KINDS } from "./support/FaultInjector.js";
import { TallyLogger } from "./support/TallyLogger.js";
import { CHAOS_SIZES, KILL_RATE, MAX_PROCESSING_MILLIS, PROGRESS_DROP_RATE } from "./support/chaosPlan.js";
import { startChaosStack, type StackStarter } from "./support/chaosStack.js";
import { formatChaosReport } from "./support/formatReport.js";
import { runChaosRound, type ChaosReport } from "./support/runChaosRound.js";
import { formatLoadReport, runLoad, type LoadSizes } from "./support/runLoad.js";
import { SimulatedUploadProcessor } from "@pipeline/media";

// A soak round may settle more slowly than the test's: the machine is busy for minutes.
const SOAK_SIZES = { ...CHAOS_SIZES, settleTimeoutMillis: 300_000 };

const LOAD_SIZES: LoadSizes = { batches: 10, uploadsPerBatch: 1000, clientsPerUser: 10, timeoutMillis: 600_000 };

const USAGE = "usage: npm run soak -- [--minutes N] [--seed N] [--keep-going]   chaos rounds until N minutes have passed (default 5); stops at the first violating round unless --keep-going\n       npm run soak -- --load                 10 batches of 1,000 uploads, 100 WebSocket clients";

process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      minutes: { type: "string", default: "5" },
      seed: { type: "string" },
      "keep-going": { type: "boolean", default: false },
      load: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  const minutes = Number(values.minutes);
  if (values.help || !Number.isFinite(minutes) || minutes <= 0) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const dir = await scratchDir("pipeline-soak-");
  try {
    const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
    return values.load ? await load(dir) : await soak(dir, minutes, seed, values["keep-going"]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The local stack on free ports with embedded Postgres in `dir`, as `npm start` runs it. */
async function startEmbeddedStack(dir: string, options: Parameters<StackStarter>[0]): Promise<LocalStack> {
  const ports = { http: 0, gateway: 0, sqs: 0, pgProxy: 0, postgres: await freePort() };
  return startLocalStack({ dir, ports, processor: new SimulatedUploadProcessor(), runtime: "in-process", ...options });
}

async function soak(dir: string, minutes: number, seed: number, keepGoing: boolean): Promise<number> {
  console.log(`soak: chaos rounds for ${minutes} minute(s), seed ${seed}, ${describeMachine()}`);
  const chaos = await startChaosStack(
    async (options) => {
      const stack = await startEmbeddedStack(dir, options);
      return { stack, dir, close: () => stack.stop() };
    },
    { killRate: KILL_RATE, progressDropRate: PROGRESS_DROP_RATE, maxLatencyMillis: MAX_PROCESSING_MILLIS, seed },
  );
  const reports: ChaosReport[] = [];
  const deadline = Date.now() + minutes * 60_000;
  try {
    do {
      const report = await runChaosRound(chaos, SOAK_SIZES, reports.length + 1);
      reports.push(report);
      console.log(formatChaosReport(report));
      if (report.violations.length + report.crashes.length > 0 && !keepGoing) break;
    } while (Date.now() < deadline);
  } finally {
    await chaos.close();
  }
  console.log(totals(reports));
  const failures = reports.flatMap((report) => [...report.violations, ...report.crashes.map((crash) => `uncaught exception: ${crash}`)]);
  if (failures.length === 0) return 0;
  const failed = reports.filter((report) => report.violations.length + report.crashes.length > 0).map((report) => report.round);
  console.error(`\n${"!".repeat(72)}\nSOAK FAILED: ${failures.length} violation(s) and crash(es) in round(s) ${failed.join(", ")} (seed ${seed})\n${failures.map((failure) => `  ${failure}`).join("\n")}\n${"!".repeat(72)}`);
  return 1;
}

async function load(dir: string): Promise<number> {
  console.log(`soak --load: ${LOAD_SIZES.batches} batches x ${LOAD_SIZES.uploadsPerBatch} uploads, ${LOAD_SIZES.batches * LOAD_SIZES.clientsPerUser} WebSocket clients, ${describeMachine()}`);
  const logger = new TallyLogger();
  const stack = await startEmbeddedStack(dir, { logger });
  const admin = await DatabaseAdmin.connect(stack.endpoints.databaseUrl);
  try {
    await admin.installFinalizationAudit();
    const report = await runLoad(stack, admin, logger, LOAD_SIZES);
    console.log(formatLoadReport(report));
    if (report.violations.length === 0) return 0;
    console.error(`\nLOAD FAILED: ${report.violations.length} invariant violation(s)`);
    return 1;
  } finally {
    await admin.close();
    await stack.stop();
  }
}

function totals(reports: readonly ChaosReport[]): string {
  const sum = (pick: (report: ChaosReport) => number) => reports.reduce((total, report) => total + pick(report), 0);
  const killed = (kind: (typeof KILL_KINDS)[number]) => sum((report) => FUNCTION_NAMES.reduce((total, fn) => total + report.faults.killed[fn][kind], 0));
  return [
    `soak totals: ${reports.length} round(s) in ${sum((report) => report.seconds).toFixed(0)} s`,
    `  uploads ${sum((report) => report.uploads)} in ${sum((report) => report.batches)} batches; duplicates delivered ${sum((report) => report.faults.duplicatesDelivered)}; redeliveries ${sum((report) => report.faults.redeliveries)}`,
    `  invocations killed: ${KILL_KINDS.map((kind) => `${kind} ${killed(kind)}`).join(", ")}`,
    `  Postgres connections terminated ${sum((report) => report.connectionsTerminated)} (${sum((report) => report.terminations)} terminations); progress messages dropped ${sum((report) => report.faults.progressDropped)}`,
    `  invariant violations ${sum((report) => report.violations.length)}; uncaught exceptions ${sum((report) => report.crashes.length)}`,
  ].join("\n");
}

function describeMachine(): string {
  return `Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB`;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
