import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import type { QueueFunctionWiring } from "@pipeline/wiring";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { createLambdaContext } from "./lambdaContext.js";
import { toSqsEvent } from "./toSqsEvent.js";

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface QueueFunctionRunnerOptions {
  name: string;
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  handler: SqsHandler;
  settings: Pick<QueueFunctionWiring, "batchSize" | "batchingWindowSeconds" | "maxConcurrency" | "timeoutSeconds" | "memoryMb">;
  region?: string;
  /** Long-poll wait of an idle poller; short so that stopping is quick. */
  idleWaitSeconds?: number;
  onInvocation?: (invocation: InvocationReport) => void;
}

export interface InvocationReport {
  name: string;
  records: number;
  outcome: "succeeded" | "partial" | "failed" | "timed-out";
  failed: number;
  durationMillis: number;
  error?: unknown;
}

const SQS_MAX_RECEIVE = 10;

/**
 * What Lambda's SQS event source mapping does, for one function on one queue: pollers up to the
 * maximum concurrency, batches up to the batch size within the batching window, the function
 * timeout, and partial batch responses (only records not reported failed are deleted). Failed
 * and timed-out records come back after their visibility timeout; the queue's redrive policy
 * moves them to the dead-letter queue after the max receive count.
 */
export class QueueFunctionRunner {
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly options: QueueFunctionRunnerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = Array.from({ length: this.options.settings.maxConcurrency }, () => this.pollLoop());
  }

  /**
   * Stops polling and waits for invocations in flight, at most `graceMillis` (default: until they
   * end, which the function timeout bounds). Records of an abandoned invocation come back after
   * their visibility timeout, as they would after a crash.
   */
  async stop(graceMillis?: number): Promise<void> {
    this.running = false;
    const drained = Promise.all([...this.loops, ...[...this.inFlight].map((invocation) => invocation.catch(() => {}))]);
    if (graceMillis === undefined) await drained;
    else await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, graceMillis).unref())]);
  }

  private async pollLoop(): Promise<void> {
    while (this.running) {
      try {
        const messages = await this.collectBatch();
        if (messages.length > 0) await this.invoke(messages);
      } catch (error) {
        if (!this.running) return;
        this.options.onInvocation?.({ name: this.options.name, records: 0, outcome: "failed", failed: 0, durationMillis: 0, error });
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  private async collectBatch(): Promise<Message[]> {
    const { batchSize, batchingWindowSeconds } = this.options.settings;
    const messages: Message[] = [];
    const windowEnds = Date.now() + batchingWindowSeconds * 1000;
    while (this.running && messages.length < batchSize) {
      const waitSeconds = messages.length === 0 ? (this.options.idleWaitSeconds ?? 1) : Math.min(1, Math.max(0, Math.ceil((windowEnds - Date.now()) / 1000)));
      const received = await this.options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.options.queueUrl,
          MaxNumberOfMessages: Math.min(SQS_MAX_RECEIVE, batchSize - messages.length),
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ["All"],
          MessageAttributeNames: ["All"],
        }),
      );
      messages.push(...(received.Messages ?? []));
      if (messages.length === 0) continue;
      if (Date.now() >= windowEnds) break;
    }
    return messages;
  }

  private async invoke(messages: Message[]): Promise<void> {
    const { settings, name, region = "us-east-1" } = this.options;
    const event = toSqsEvent(messages, this.options.queueArn, region);
    const context = createLambdaContext({ functionName: name, timeoutMillis: settings.timeoutSeconds * 1000, memoryMb: settings.memoryMb, region });
    const started = Date.now();
    const invocation = this.options.handler(event, context);
    this.inFlight.add(invocation);
    void invocation.catch(() => {}).finally(() => this.inFlight.delete(invocation));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<"timed-out">((resolve) => {
      timer = setTimeout(() => resolve("timed-out"), settings.timeoutSeconds * 1000);
    });
    const report = (outcome: InvocationReport["outcome"], failed: number, error?: unknown) =>
      this.options.onInvocation?.({ name, records: messages.length, outcome, failed, durationMillis: Date.now() - started, ...(error ? { error } : {}) });
    try {
      const result = await Promise.race([invocation, timedOut]);
      if (result === "timed-out") return report("timed-out", messages.length);
      const failedIds = new Set((result?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
      const known = new Set(messages.map((message) => message.MessageId));
      // Lambda treats an identifier that is not in the batch as a failure of the whole batch.
      if ([...failedIds].some((id) => !known.has(id))) return report("failed", messages.length, new Error("unknown itemIdentifier in batchItemFailures"));
      await this.deleteMessages(messages.filter((message) => !failedIds.has(message.MessageId ?? "")));
      report(failedIds.size === 0 ? "succeeded" : "partial", failedIds.size);
    } catch (error) {
      report("failed", messages.length, error);
    } finally {
      clearTimeout(timer);
    }
  }

  private async deleteMessages(messages: Message[]): Promise<void> {
    for (let start = 0; start < messages.length; start += SQS_MAX_RECEIVE) {
      const chunk = messages.slice(start, start + SQS_MAX_RECEIVE);
      await this.options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle ?? "" })),
        }),
      );
    }
  }
}
