import type { SQSClient } from "@aws-sdk/client-sqs";
import type { FunctionName, Wiring } from "@pipeline/wiring";
import type { FunctionInvoker } from "../lambda/FunctionInvoker.js";
import type { StackQueues } from "../queues/createQueues.js";
import { QueueFunctionRunner, type InvocationReport } from "../runner/QueueFunctionRunner.js";

export interface QueueRunnersOptions {
  sqs: SQSClient;
  queues: StackQueues;
  wiring: Wiring;
  region: string;
  invokers: Record<FunctionName, FunctionInvoker>;
}

/** The event source mappings of the queue functions: one runner per function, on its queue. */
export class QueueRunners {
  private runners: QueueFunctionRunner[] = [];

  constructor(private readonly options: QueueRunnersOptions) {}

  start(onInvocation?: (report: InvocationReport) => void): void {
    if (this.runners.length > 0) return;
    const { wiring, queues, sqs, region, invokers } = this.options;
    this.runners = (Object.keys(invokers) as FunctionName[]).map((name) => {
      const settings = wiring.functions[name];
      const queue = queues[settings.queue];
      return new QueueFunctionRunner({ name, sqs, queueUrl: queue.url, queueArn: queue.arn, invoker: invokers[name], settings, region, ...(onInvocation ? { onInvocation } : {}) });
    });
    for (const runner of this.runners) runner.start();
  }

  async stop(graceMillis?: number): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop(graceMillis)));
    this.runners = [];
  }
}
