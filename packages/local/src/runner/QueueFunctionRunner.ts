import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import type { QueueFunctionWiring } from "@pipeline/wiring";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { describeOutcome, type FunctionInvoker } from "../lambda/FunctionInvoker.js";
import { toSqsEvent } from "./toSqsEvent.js";

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface QueueFunctionRunnerOptions {
  name: string;
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  /** Runs the function: its containers, or its handler in this process. */
  invoker: FunctionInvoker;
  settings: Pick<QueueFunctionWiring, "batchSize" | "batchingWindowSeconds" | "maxConcurrency">;
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
/** SQS's longest long poll. */
const SQS_MAX_WAIT_SECONDS = 20;
/** Spacing of the short polls that end a batching window (SQS waits in whole seconds only). */
const WINDOW_TAIL_POLL_MILLIS = 50;
/** Pause after an empty short poll of an idle poller configured with no long-poll wait. */
const IDLE_SHORT_POLL_PAUSE_MILLIS = 20;

/** Yields until I/O already under way had its turn (setImmediate). */
const afterPendingIo = () => new Promise<void>((resolve) => setImmediate(resolve));

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, millis)));

/**
 * What Lambda's SQS event source mapping does, for one function on one queue: invocations up to the
 * maximum concurrency, batches up to the batch size within the batching window (which opens at the
 * first record), the function timeout, and partial batch responses (only records not reported
 * failed are deleted). Failed and timed-out records come back after their visibility timeout; the
 * queue's redrive policy moves them to the dead-letter queue after the max receive count.
 *
 * As on Lambda, polling and deleting are the pollers' work, not the function's: a poller gathers
 * its next batch while invocations run and hands it to the first free slot, and a finished
 * invocation's records are deleted without holding up the next one. A batch gathered and not
 * invoked when the runner stops is made visible again at once (its receive count keeps the receipt).
 */
export class QueueFunctionRunner {
  private running = false;
  private loops: Promise<void>[] = [];
  private slots = new ConcurrencySlots(0);
  /** Invocations dispatched to a slot, until the function returned or timed out. */
  private readonly dispatched = new Set<Promise<void>>();
  /** Deletes (and the reports that follow them) of invocations that have returned. */
  private readonly settling = new Set<Promise<void>>();

  constructor(private readonly options: QueueFunctionRunnerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    const { maxConcurrency } = this.options.settings;
    this.slots = new ConcurrencySlots(maxConcurrency);
    this.loops = Array.from({ length: maxConcurrency }, () => this.pollLoop());
  }

  /**
   * Stops polling and waits for invocations in flight and their deletes, at most `graceMillis`
   * (default: until they end, which the function timeout bounds). Records of an abandoned
   * invocation come back after their visibility timeout, as they would after a crash.
   */
  async stop(graceMillis?: number): Promise<void> {
    this.running = false;
    this.slots.close();
    const drained = (async () => {
      await Promise.all(this.loops);
      await Promise.all([...this.dispatched]);
      await Promise.all([...this.settling]);
    })();
    if (graceMillis === undefined) await drained;
    else await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, graceMillis).unref())]);
  }

  private async pollLoop(): Promise<void> {
    while (this.running) {
      try {
        const messages = await this.collectBatch();
        if (messages.length === 0) continue;
        if (!(await this.slots.acquire())) {
          await this.release(messages);
          break;
        }
        const invocation = this.invoke(messages).finally(() => this.slots.release());
        this.dispatched.add(invocation);
        void invocation.finally(() => this.dispatched.delete(invocation));
        await afterPendingIo();
      } catch (error) {
        if (!this.running) break;
        this.options.onInvocation?.({ name: this.options.name, records: 0, outcome: "failed", failed: 0, durationMillis: 0, error });
        await sleep(200);
      }
    }
  }

  private async collectBatch(): Promise<Message[]> {
    const { batchSize, batchingWindowSeconds } = this.options.settings;
    const idleWaitSeconds = this.options.idleWaitSeconds ?? 1;
    const messages: Message[] = [];
    let windowEnds = Number.POSITIVE_INFINITY;
    while (this.running && messages.length < batchSize) {
      const windowLeft = windowEnds - Date.now();
      if (messages.length > 0 && windowLeft <= 0) break;
      const waitSeconds = messages.length === 0 ? idleWaitSeconds : Math.min(SQS_MAX_WAIT_SECONDS, Math.floor(windowLeft / 1000));
      const received = await this.receive(Math.min(SQS_MAX_RECEIVE, batchSize - messages.length), waitSeconds);
      if (received.length > 0 && messages.length === 0) windowEnds = Date.now() + batchingWindowSeconds * 1000;
      messages.push(...received);
      if (received.length === 0 && waitSeconds === 0) {
        await sleep(messages.length > 0 ? Math.min(WINDOW_TAIL_POLL_MILLIS, windowEnds - Date.now()) : IDLE_SHORT_POLL_PAUSE_MILLIS);
      }
    }
    return messages;
  }

  private async receive(maxMessages: number, waitSeconds: number): Promise<Message[]> {
    const { Messages = [] } = await this.options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: maxMessages,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    return Messages;
  }

  private async invoke(messages: Message[]): Promise<void> {
    const { name, region = "us-east-1" } = this.options;
    const event = toSqsEvent(messages, this.options.queueArn, region);
    const started = Date.now();
    const report = (outcome: InvocationReport["outcome"], failed: number, error?: unknown) =>
      this.options.onInvocation?.({ name, records: messages.length, outcome, failed, durationMillis: Date.now() - started, ...(error ? { error } : {}) });
    const outcome = await this.options.invoker.invoke(event);
    if (outcome.kind === "timed-out") return report("timed-out", messages.length, new Error(describeOutcome(outcome)));
    // A function error or a container that died fails the whole batch: every record comes back.
    if (outcome.kind !== "returned") return report("failed", messages.length, new Error(describeOutcome(outcome)));
    const result = outcome.payload as SQSBatchResponse | null | undefined;
    const failedIds = new Set((result?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    const known = new Set(messages.map((message) => message.MessageId));
    // Lambda treats an identifier that is not in the batch as a failure of the whole batch.
    if ([...failedIds].some((id) => !known.has(id))) return report("failed", messages.length, new Error("unknown itemIdentifier in batchItemFailures"));
    const succeeded = messages.filter((message) => !failedIds.has(message.MessageId ?? ""));
    this.settle(
      afterPendingIo()
        .then(() => this.deleteMessages(succeeded))
        .then(
          () => report(failedIds.size === 0 ? "succeeded" : "partial", failedIds.size),
          (error: unknown) => report("failed", messages.length, error),
        ),
    );
  }

  private settle(work: Promise<unknown>): void {
    const settled = work.then(
      () => {},
      () => {},
    );
    this.settling.add(settled);
    void settled.finally(() => this.settling.delete(settled));
  }

  private async deleteMessages(messages: Message[]): Promise<void> {
    for (const chunk of chunks(messages)) {
      await this.options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle ?? "" })),
        }),
      );
    }
  }

  /** Makes records gathered ahead visible again, so that a restart does not wait out their visibility timeout. */
  private async release(messages: Message[]): Promise<void> {
    for (const chunk of chunks(messages)) {
      await this.options.sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.options.queueUrl,
            Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle ?? "", VisibilityTimeout: 0 })),
          }),
        )
        // Best effort, as a crash would be: the records come back after their visibility timeout.
        .catch(() => {});
    }
  }
}

/** The function's concurrency: a slot per invocation running, pollers waiting in turn for a free one. */
class ConcurrencySlots {
  private readonly waiting: Array<(granted: boolean) => void> = [];
  private closed = false;

  constructor(private free: number) {}

  /** Resolves true with a slot, or false once closed (the runner is stopping). */
  acquire(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next(true);
    else this.free++;
  }

  close(): void {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter(false);
  }
}

function chunks<T>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += SQS_MAX_RECEIVE) result.push(items.slice(start, start + SQS_MAX_RECEIVE));
  return result;
}
