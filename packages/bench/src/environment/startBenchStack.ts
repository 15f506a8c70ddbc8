import { rm } from "node:fs/promises";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { describeOutcome, scratchDir, startLocalStack, type ContainerLogLine, type FunctionContainers, type InvocationReport, type LocalStack } from "@pipeline/local";
import type { FunctionName, Wiring } from "@pipeline/wiring";
import { SqsRequestCounter } from "../measure/SqsRequestCounter.js";
import type { BenchContext } from "../scenarios/BenchContext.js";
import { PushRecorder } from "./PushRecorder.js";
import { BENCH_USER } from "./batches.js";

export interface BenchStackOptions {
  /** Names the stack in the report's container figures. */
  name: string;
  wiring: Wiring;
  /** The worker's simulated processing time (the SIMULATED_PROCESSING_MS tuning); undefined runs the real media step. */
  latencyMillis: number | undefined;
  /** Files the upload service takes in one batch. */
  maxFiles?: number;
}

export interface BenchStack {
  stack: LocalStack;
  containers: FunctionContainers;
  wiring: Wiring;
  /** Every SQS request the queue engine serves: the functions' and the pollers'. */
  sqsRequests: SqsRequestCounter;
  /** A WebSocket client connected as the owner of the benchmark's batches. */
  client: PushRecorder;
  /** Hands a batch to the pipeline as the upload service does: one message on the batches queue. */
  submit(batchId: string): Promise<void>;
  /** Stops the functions' pollers (waiting for invocations in flight), so that idle polling stays out of a measurement. */
  stopRunners(): Promise<void>;
  startRunners(): void;
  stop(): Promise<void>;
}

const ANY_PORT = 0;
/** Longer than any benchmark: the containers a measured run starts with are the ones it ends with. */
const IDLE_RETIRE_SECONDS = 3_600;
const QUEUE_FUNCTIONS: FunctionName[] = ["fanout", "worker", "finalizer"];
/** Starts a container and returns at once: no record, so no statement and no message. */
const EMPTY_SQS_EVENT = { Records: [] };
/** The reconciler reads nothing from its schedule's event. */
const SCHEDULED_EVENT = {};

/** The local stack on free ports, every function in containers of its own, against the benchmark's Postgres. */
export async function startBenchStack(context: BenchContext, options: BenchStackOptions): Promise<BenchStack> {
  const dir = await scratchDir("pipeline-bench-stack-");
  const onInvocation = (report: InvocationReport) => {
    if (report.outcome !== "succeeded") context.warn(`${report.name} invocation ${report.outcome}: ${report.failed} of ${report.records} records${report.error ? `: ${String(report.error)}` : ""}`);
  };
  const stack = await startLocalStack({
    dir,
    ports: { http: ANY_PORT, gateway: ANY_PORT, sqs: ANY_PORT, postgres: ANY_PORT, pgProxy: ANY_PORT },
    databaseUrl: context.database.url,
    authSecret: context.authSecret,
    wiring: options.wiring,
    built: context.built,
    ...(options.latencyMillis === undefined ? {} : { tuning: { SIMULATED_PROCESSING_MS: String(options.latencyMillis) } }),
    idleRetireSeconds: IDLE_RETIRE_SECONDS,
    containerLog: (line) => keepWarnings(line, context.warn),
    ...(options.maxFiles === undefined ? {} : { uploadLimits: { maxFiles: options.maxFiles } }),
    onInvocation,
  });
  const { containers } = stack;
  if (!containers) throw new Error("the local stack runs its functions in-process; the benchmark measures containers");
  await startContainers(containers, context.warn);
  const sqsRequests = new SqsRequestCounter(stack.queueEngine);
  const client = await PushRecorder.connect(stack.endpoints.wsUrl, context.authSecret, BENCH_USER);
  return {
    stack,
    containers,
    wiring: options.wiring,
    sqsRequests,
    client,
    async submit(batchId) {
      await stack.pipeline.sqs.send(new SendMessageCommand({ QueueUrl: stack.queues.batches.url, MessageBody: JSON.stringify({ batchId }) }));
    },
    stopRunners: () => stack.pipeline.stopRunners(),
    startRunners: () => stack.pipeline.startRunners(onInvocation),
    async stop() {
      context.recordContainers({ stack: options.name, coldStarts: containers.coldStarts(), peakMemory: await containers.peakMemory() });
      client.close();
      await stack.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts every queue function's containers, up to its maximum concurrency, so that no measured run
 * starts one: the first of each function alone (its cold start undisturbed), then the rest at once.
 * The reconciler's schedule (minutes) never comes during a benchmark: one tick, for its cold start.
 */
async function startContainers(containers: FunctionContainers, warn: (message: string) => void): Promise<void> {
  const invoke = async (name: string, event: unknown) => {
    const outcome = await containers.pool(name).invoke(event);
    if (outcome.kind !== "returned") warn(`${name}: starting a container: ${describeOutcome(outcome)}`);
  };
  for (const name of QUEUE_FUNCTIONS) {
    await invoke(name, EMPTY_SQS_EVENT);
    await Promise.all(Array.from({ length: containers.pool(name).fn.maxConcurrency }, () => invoke(name, EMPTY_SQS_EVENT)));
  }
  await invoke("reconciler", SCHEDULED_EVENT);
}

/** The functions' informational lines and metrics would drown the report; warnings, errors and the runtime's failures are kept. */
function keepWarnings({ functionName, stream, line }: ContainerLogLine, warn: (message: string) => void): void {
  if (stream === "runtime") {
    if (!line.startsWith("INIT_REPORT Init Duration")) warn(`${functionName}: ${line}`);
    return;
  }
  const level = /"level":"(\w+)"/.exec(line)?.[1];
  if (level === "WARN" || level === "ERROR" || level === "CRITICAL") warn(`${functionName}: ${level} ${describeLogLine(line)}`);
  else if (stream === "stderr" && level === undefined) warn(`${functionName}: ${line}`);
}

/** A Powertools JSON line's message and reason: the parts that are the same each time the same thing happens. */
function describeLogLine(line: string): string {
  try {
    const { message, reason, error } = JSON.parse(line) as { message?: unknown; reason?: unknown; error?: unknown };
    return [message, reason ?? error].filter((part) => part !== undefined).map((part) => (typeof part === "string" ? part : JSON.stringify(part))).join(": ");
  } catch {
    return line;
  }
}
