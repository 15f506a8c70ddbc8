/*
 * The fan-out, alone in a process, so that the memory it reads is the fan-out's own. Invokes the
 * deployed fan-out handler (its dependencies built from the environment at the first
 * call, as at a cold start) on a warm-up batch, then twice on the measured batch, each time after
 * a full GC: once sampling memory untouched, once with a GC before each sample (MemorySampling).
 * The second fan-out of the batch finds it processing and re-sends every unfinished upload: the
 * same work. Reports to the parent over IPC. Needs --expose-gc.
 */
import { randomUUID } from "node:crypto";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createFanoutHandler, fanoutDepsFromEnv } from "@pipeline/functions";
import { createLambdaContext, toSqsEvent } from "@pipeline/testkit";
import { wiring } from "@pipeline/wiring";
import { FAN_OUT_CHILD_INPUT, type FanOutChildInput, type FanOutChildResult, type FanOutMeasurement, type MemorySampling } from "./fanOutChildProtocol.js";

/** Peak: often enough to catch a peak between two collections of the young generation. Live: a full GC each time. */
const SAMPLE_INTERVAL_MILLIS: Record<MemorySampling, number> = { peak: 5, live: 250 };

const input = JSON.parse(process.env[FAN_OUT_CHILD_INPUT] ?? "") as FanOutChildInput;
// The handler's own client is built from the environment; this one only reads the queue's depth.
const sqs = new SQSClient({ region: input.region, endpoint: process.env.SQS_ENDPOINT });
let handler: ReturnType<typeof createFanoutHandler> | undefined;

async function invoke(batchId: string): Promise<void> {
  const { fanout } = wiring.functions;
  const event = toSqsEvent(
    [{ MessageId: randomUUID(), ReceiptHandle: "bench", Body: JSON.stringify({ batchId }), Attributes: { ApproximateReceiveCount: "1" } }],
    input.batchesQueueArn,
    input.region,
  );
  const context = createLambdaContext({ functionName: "fanout", timeoutMillis: fanout.timeoutSeconds * 1000, memoryMb: fanout.memoryMb, region: input.region });
  handler ??= createFanoutHandler(fanoutDepsFromEnv());
  const response = await handler(event, context);
  if (response.batchItemFailures.length > 0) throw new Error(`fan-out of batch ${batchId} failed; see the logs`);
}

async function queueDepth(): Promise<number> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: input.uploadsQueueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }));
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
}

async function measure(sampling: MemorySampling, gc: () => void): Promise<FanOutMeasurement> {
  const depthBefore = await queueDepth();
  gc();
  gc();
  const baseline = process.memoryUsage();
  let peakRss = baseline.rss;
  let peakHeap = baseline.heapUsed;
  const sample = () => {
    if (sampling === "live") gc();
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed);
  };
  const sampler = setInterval(sample, SAMPLE_INTERVAL_MILLIS[sampling]);
  const started = performance.now();
  try {
    await invoke(input.batchId);
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  sample();
  return {
    seconds,
    messagesSent: (await queueDepth()) - depthBefore,
    baselineRssBytes: baseline.rss,
    peakRssBytes: peakRss,
    baselineHeapBytes: baseline.heapUsed,
    peakHeapBytes: peakHeap,
  };
}

async function main(): Promise<FanOutChildResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --expose-gc");
  await invoke(input.warmUpBatchId);
  const peak = await measure("peak", gc);
  const live = await measure("live", gc);
  return { peak, live };
}

main().then(
  // The handler's connection pool would keep the process alive: exit once the parent has the figures.
  (result) => process.send?.(result, () => process.exit(0)),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
