import { inProcessPipeline } from "../../support/startTestStack.js";
import { localSqsClient, type LocalStack, type LocalStackOptions } from "@pipeline/local";
import { wiring as deployedWiring, type Wiring } from "@pipeline/wiring";
import { ChaosProcessor } from "./ChaosProcessor.js";
import { DatabaseAdmin } from "./DatabaseAdmin.js";
import { FaultInjector } from "./FaultInjector.js";
import { TallyLogger } from "./TallyLogger.js";
import { seededRandom } from "./random.js";
import type { ChaosEnvironment } from "./runChaosRound.js";

export interface FaultRates {
  /** Share of each function's invocations killed at a random point. */
  killRate: number;
  /** Share of progress messages lost before the finalizer sees them. */
  progressDropRate: number;
  /** The processing step's latency is random up to this. */
  maxLatencyMillis: number;
  seed: number;
}

/** What starts a local stack: the test's helper (a database of its own) or the soak command's (embedded Postgres). */
export type StackStarter = (options: Pick<LocalStackOptions, "wiring" | "processor" | "logger" | "runtime">) => Promise<{ stack: LocalStack; dir: string; close(): Promise<void> }>;

export interface ChaosStack extends ChaosEnvironment {
  close(): Promise<void>;
}

/**
 * The deployed wiring with timeouts in seconds: a killed invocation's messages come back after
 * the visibility timeout, so it must be short for a run to settle in minutes. Each queue's
 * visibility stays at least its function's timeout.
 */
export function chaosWiring(): Wiring {
  const wiring = structuredClone(deployedWiring);
  for (const queue of ["batches", "uploads", "progress"] as const) wiring.queues[queue].visibilityTimeoutSeconds = 6;
  for (const fn of ["fanout", "worker", "finalizer"] as const) wiring.functions[fn].timeoutSeconds = 6;
  // Small windows, so the refills (and pauses, resumes and limit changes) happen many times a round.
  wiring.flowControl.defaultMaxInFlight = 20;
  wiring.uploadRetryBackoff = { baseSeconds: 1, maxSeconds: 4 };
  return wiring;
}

/** A stack with the fault injector installed, the finalization audit, and the test's own database session. */
export async function startChaosStack(start: StackStarter, rates: FaultRates): Promise<ChaosStack> {
  const logger = new TallyLogger();
  const processor = new ChaosProcessor(rates.maxLatencyMillis);
  const { stack, dir, close } = await start({ wiring: chaosWiring(), processor, logger, runtime: "in-process" });
  const sqs = localSqsClient(stack.endpoints.sqsEndpoint, stack.endpoints.credentials);
  const random = seededRandom(rates.seed);
  const injector = new FaultInjector(
    { killRate: rates.killRate, progressDropRate: rates.progressDropRate, duplicateEverything: true, seedRandom: random },
    sqs,
    { fanout: stack.queues.batches.url, worker: stack.queues.uploads.url, finalizer: stack.queues.progress.url },
  );
  await injector.install(inProcessPipeline(stack));
  const admin = await DatabaseAdmin.connect(stack.endpoints.databaseUrl);
  await admin.installFinalizationAudit();
  // In a Lambda an uncaught exception ends the runtime, and locally the whole stack: each one is a
  // violation, and recording it keeps a long run going to report the rest.
  const uncaught: unknown[] = [];
  const record = (error: unknown) => void uncaught.push(error);
  process.on("uncaughtException", record);
  return {
    stack,
    stackDir: dir,
    injector,
    logger,
    admin,
    processor,
    sqs,
    random,
    uncaught,
    async close() {
      process.off("uncaughtException", record);
      await admin.close();
      await close();
      sqs.destroy();
    },
  };
}
