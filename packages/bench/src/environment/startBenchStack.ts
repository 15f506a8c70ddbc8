import { rm } from "node:fs/promises";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { HandlerLogger } from "@pipeline/adapters/powertools";
import { scratchDir, startLocalStack, type InvocationReport, type LocalStack } from "@pipeline/local";

import type { Wiring } from "@pipeline/wiring";
import { SqsRequestCounter } from "../measure/SqsRequestCounter.js";
import { PushRecorder } from "./PushRecorder.js";
import { BENCH_USER } from "./batches.js";
import { SimulatedUploadProcessor } from "@pipeline/media";

export interface BenchStackOptions {
  databaseUrl: string;
  authSecret: string;
  wiring: Wiring;
  /** The simulated processor's fixed latency. */
  latencyMillis: number;
  /** Where the handlers' warnings and failed invocations go. */
  warn: (message: string) => void;
}

export interface BenchStack {
  stack: LocalStack;
  wiring: Wiring;
  /** Every SQS request of the stack's functions and runners. */
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

/** The local stack in-process on free ports, with the simulated processor, against the benchmark's Postgres. */
export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const dir = await scratchDir("pipeline-bench-stack-");
  const onInvocation = (report: InvocationReport) => {
    if (report.outcome !== "succeeded") options.warn(`${report.name} invocation ${report.outcome}: ${report.failed} of ${report.records} records${report.error ? `: ${String(report.error)}` : ""}`);
  };
  const stack = await startLocalStack({
    dir,
    ports: { http: ANY_PORT, gateway: ANY_PORT, sqs: ANY_PORT, postgres: ANY_PORT, pgProxy: ANY_PORT },
    databaseUrl: options.databaseUrl,
    authSecret: options.authSecret,
    wiring: options.wiring,
    processor: new SimulatedUploadProcessor({ latencyMillis: options.latencyMillis }),
    runtime: "in-process",
    logger: benchLogger(options.warn),
    onInvocation,
  });
  const sqsRequests = new SqsRequestCounter();
  sqsRequests.attach(stack.pipeline.sqs);
  const client = await PushRecorder.connect(stack.endpoints.wsUrl, options.authSecret, BENCH_USER);
  return {
    stack,
    wiring: options.wiring,
    sqsRequests,
    client,
    async submit(batchId) {
      await stack.pipeline.sqs.send(new SendMessageCommand({ QueueUrl: stack.queues.batches.url, MessageBody: JSON.stringify({ batchId }) }));
    },
    stopRunners: () => stack.pipeline.stopRunners(),
    startRunners: () => stack.pipeline.startRunners(onInvocation),
    async stop() {
      client.close();
      await stack.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The handlers' informational lines would drown the report; warnings and errors are kept. */
function benchLogger(warn: (message: string) => void): HandlerLogger {
  const keep = (level: string) => (message: string, attributes?: Record<string, unknown>) => warn(`${level}: ${message}${attributes ? ` ${JSON.stringify(attributes)}` : ""}`);
  return { debug: () => {}, info: () => {}, warn: keep("warn"), error: keep("error") };
}
