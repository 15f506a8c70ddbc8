import type { Message } from "@aws-sdk/client-sqs";
import { createLambdaContext, toSqsEvent } from "@pipeline/testkit";
import type { SQSBatchResponse } from "aws-lambda";
import type { TestPipeline } from "./startTestPipeline.js";

type FunctionName = "fanout" | "worker" | "finalizer";

/** Invokes one function directly with a Lambda-shaped event built from real SQS messages. */
export async function invoke(
  pipeline: TestPipeline,
  name: FunctionName,
  messages: readonly Message[],
  options: { timeoutMillis?: number } = {},
): Promise<SQSBatchResponse> {
  const settings = pipeline.wiring.functions[name];
  const queue = pipeline.queues[settings.queue];
  const context = createLambdaContext({
    functionName: name,
    timeoutMillis: options.timeoutMillis ?? settings.timeoutSeconds * 1000,
    memoryMb: settings.memoryMb,
    region: "us-east-1",
  });
  const response = await pipeline.handlers[name](toSqsEvent(messages, queue.arn, "us-east-1"), context);
  return response ?? { batchItemFailures: [] };
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** A deterministic shuffle (seeded), so a failing order can be replayed. */
export function shuffle<T>(items: readonly T[], seed = 42): T[] {
  const result = [...items];
  let state = seed;
  const random = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  for (let index = result.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [result[index], result[other]] = [result[other] as T, result[index] as T];
  }
  return result;
}
