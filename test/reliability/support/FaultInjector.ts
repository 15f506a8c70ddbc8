import { AsyncLocalStorage } from "node:async_hooks";
import { SendMessageBatchCommand, SendMessageCommand, type MessageAttributeValue, type SQSClient } from "@aws-sdk/client-sqs";
import type { InProcessPipeline, InvocationReport, SqsHandler } from "@pipeline/local";
import type { SQSBatchResponse, SQSRecord } from "aws-lambda";
import { pickIndexes } from "./random.js";

export type FunctionName = "fanout" | "worker" | "finalizer";
export const FUNCTION_NAMES: readonly FunctionName[] = ["fanout", "worker", "finalizer"];

/** Where in its work an invocation dies, as the brief names them. */
export const KILL_KINDS = ["before-processing", "before-commit", "after-commit"] as const;
export type KillKind = (typeof KILL_KINDS)[number];

/** The least share of invocations killed while a function has not yet met every kill kind. */
const COVERAGE_KILL_RATE = 1 / 3;

/** Marks a copy sent by the injector, with the id of the message it copies. */
export const COPY_ATTRIBUTE = "chaosCopyOf";

/**
 * The statements an invocation dies at, found by their text. If one of these statements is
 * rewritten, the kills planned at it stop happening: the chaos test asserts that every worker kill
 * kind did happen, so that cannot pass unnoticed.
 */
export const STATEMENT_MARKERS = {
  /** The worker's claim (`PostgresUploadRepository.claim`). */
  claim: "attempts = u.attempts + 1",
  /** The worker's outcome statement: terminal states and counters (`recordOutcomes`). */
  outcomes: "jsonb_to_recordset",
  /** The finalizer's version bump and finalization (`advanceProgress`). */
  advance: "progress_version = advanced.next_version",
} as const;

/** An invocation dies at the start, at a statement (before it is sent or once it committed), after the first SendMessageBatch, or after the handler returned (before the runner acknowledges). */
type KillPoint =
  | { at: "start" }
  | { at: "statement"; marker: string; when: "before" | "after" }
  | { at: "first-send-batch" }
  | { at: "end" };

interface KillPlan {
  kind: KillKind;
  point: KillPoint;
}

export interface FaultSettings {
  /** Share of each function's invocations killed at a random point. */
  killRate: number;
  /** Share of progress messages dropped before the finalizer sees them, and acknowledged. */
  progressDropRate: number;
  /** Every message is delivered at least twice: a copy of each is sent on its first receipt. */
  duplicateEverything: boolean;
  seedRandom: () => number;
}

export interface FaultFigures {
  invocations: Record<FunctionName, number>;
  killed: Record<FunctionName, Record<KillKind, number>>;
  /** Kills planned at a statement the invocation never reached (it had nothing to commit, say). */
  killsNotReached: number;
  /** Copies sent, by the queue of the function that received the original. */
  copiesSent: Record<FunctionName, number>;
  /** Copies received by a function: each is a duplicate delivery. */
  duplicatesDelivered: number;
  /** Records received again after a failed, killed or timed-out invocation (receive count > 1). */
  redeliveries: number;
  progressDropped: number;
  /** Invocation outcomes as the runner saw them, by function. */
  outcomes: Record<FunctionName, Record<InvocationReport["outcome"], number>>;
}

export class InvocationKilledError extends Error {
  override readonly name = "InvocationKilledError";
  constructor(fn: FunctionName, kind: KillKind) {
    super(`${fn} invocation killed (${kind})`);
  }
}

interface LentClient {
  release(error?: Error | boolean): void;
}

/** What one running invocation is: its function, its planned death, the connections it holds. */
class InvocationScope {
  killed = false;
  private readonly held = new Set<LentClient>();
  private signalKilled: () => void = () => {};
  readonly killedSignal = new Promise<void>((resolve) => (this.signalKilled = resolve));

  constructor(
    readonly fn: FunctionName,
    readonly plan: KillPlan | undefined,
  ) {}

  hold(client: LentClient): void {
    this.held.add(client);
  }

  released(client: LentClient): void {
    this.held.delete(client);
  }

  /**
   * Dies as a Lambda does: nothing after this point runs, and its database sessions end (which
   * releases what they hold, such as the finalizer's advisory locks).
   */
  kill(): void {
    if (this.killed) return;
    this.killed = true;
    for (const client of [...this.held]) client.release(new Error("invocation killed"));
    this.held.clear();
    this.signalKilled();
  }
}

/** A promise that never settles: what a dead process's pending I/O looks like to its code. */
function never<T>(): Promise<T> {
  return new Promise<T>(() => {});
}

/**
 * Fault injection for the local stack, from the outside: wraps the functions' handlers (kills,
 * duplicate deliveries, lost progress messages) and the pipeline's database pool and SQS client
 * (so an invocation can die between two of its statements). Nothing in packages/local changes:
 * `pipeline.handlers` is what the runners are started with.
 */
export class FaultInjector {
  readonly figures: FaultFigures = emptyFigures();
  private readonly scopes = new AsyncLocalStorage<InvocationScope>();
  private readonly dropped = new Set<string>();
  private readonly killCredit: Record<FunctionName, number> = { fanout: 0, worker: 0, finalizer: 0 };
  private readonly kindsInTurn: Record<FunctionName, KillKind[]> = { fanout: [], worker: [], finalizer: [] };

  constructor(
    private readonly settings: FaultSettings,
    /** A client of the same engine, outside the injector's reach, for the copies. */
    private readonly copier: SQSClient,
    private readonly queueUrls: Record<FunctionName, string>,
  ) {}

  /** Stops the pipeline's runners, wraps its handlers and clients, and starts the runners again. */
  async install(pipeline: InProcessPipeline): Promise<void> {
    await pipeline.stopRunners();
    for (const fn of FUNCTION_NAMES) pipeline.handlers[fn] = this.wrap(fn, pipeline.handlers[fn]);
    this.patchPool(pipeline.sql as unknown as PatchablePool);
    this.patchSqs(pipeline.sqs as unknown as PatchableSqs);
    pipeline.startRunners((report) => this.figures.outcomes[report.name as FunctionName][report.outcome]++);
  }

  private wrap(fn: FunctionName, handler: SqsHandler): SqsHandler {
    return async (event, context) => {
      this.figures.invocations[fn]++;
      let records = event.Records;
      for (const record of records) {
        if (record.messageAttributes[COPY_ATTRIBUTE]) this.figures.duplicatesDelivered++;
        else if (Number(record.attributes.ApproximateReceiveCount) > 1) this.figures.redeliveries++;
      }
      if (fn === "finalizer") records = records.filter((record) => !this.dropProgress(record));
      if (this.settings.duplicateEverything) await this.sendCopies(fn, records);
      if (records.length === 0) return { batchItemFailures: [] };

      const plan = this.plan(fn);
      if (plan?.point.at === "start") throw this.killed(fn, plan.kind);
      const scope = new InvocationScope(fn, plan);
      const running = this.scopes.run(scope, () => handler({ Records: records }, context));
      const outcome = await Promise.race([running.then((response) => ({ response })), scope.killedSignal.then(() => "killed" as const)]);
      if (outcome === "killed") throw this.killed(fn, plan?.kind ?? "before-processing");
      if (plan?.point.at === "end") throw this.killed(fn, plan.kind);
      if (plan) {
        // The kind goes back to the front of the turn, so a kill the invocation never reached is
        // not a kind the run silently misses.
        this.figures.killsNotReached++;
        this.kindsInTurn[fn].unshift(plan.kind);
      }
      return outcome.response ?? ({ batchItemFailures: [] } satisfies SQSBatchResponse);
    };
  }

  private killed(fn: FunctionName, kind: KillKind): InvocationKilledError {
    this.figures.killed[fn][kind]++;
    return new InvocationKilledError(fn, kind);
  }

  /** Drops a progress message for good: the same decision on every delivery of it. */
  private dropProgress(record: SQSRecord): boolean {
    const original = record.messageAttributes[COPY_ATTRIBUTE]?.stringValue ?? record.messageId;
    if (this.dropped.has(original)) return true;
    const first = Number(record.attributes.ApproximateReceiveCount) <= 1 && !record.messageAttributes[COPY_ATTRIBUTE];
    if (!first || this.settings.seedRandom() >= this.settings.progressDropRate) return false;
    this.dropped.add(original);
    this.figures.progressDropped++;
    return true;
  }

  /** Sends one copy of each message received for the first time (copies are not copied again). */
  private async sendCopies(fn: FunctionName, records: readonly SQSRecord[]): Promise<void> {
    const originals = records.filter((record) => Number(record.attributes.ApproximateReceiveCount) <= 1 && !record.messageAttributes[COPY_ATTRIBUTE]);
    await Promise.all(
      originals.map(async (record) => {
        const attributes: Record<string, MessageAttributeValue> = { [COPY_ATTRIBUTE]: { DataType: "String", StringValue: record.messageId } };
        for (const [name, value] of Object.entries(record.messageAttributes)) {
          if (value.stringValue !== undefined) attributes[name] = { DataType: value.dataType, StringValue: value.stringValue };
        }
        await this.copier.send(new SendMessageCommand({ QueueUrl: this.queueUrls[fn], MessageBody: record.body, MessageAttributes: attributes }));
        this.figures.copiesSent[fn]++;
      }),
    );
  }

  /**
   * Kills `killRate` of each function's invocations on average, at random spacing, and takes the
   * kinds in turn (in a random order each turn). Until a function has met every kind, at least one
   * invocation in three is killed: a function invoked only a few dozen times (the finalizer, whose
   * work is coalesced) would otherwise miss a kind in about one run in four.
   */
  private plan(fn: FunctionName): KillPlan | undefined {
    const random = this.settings.seedRandom;
    const everyKindMet = KILL_KINDS.every((kind) => this.figures.killed[fn][kind] > 0);
    const rate = everyKindMet ? this.settings.killRate : Math.max(this.settings.killRate, COVERAGE_KILL_RATE);
    this.killCredit[fn] += rate * 2 * random();
    if (this.killCredit[fn] < 1) return undefined;
    this.killCredit[fn] -= 1;
    if (this.kindsInTurn[fn].length === 0) this.kindsInTurn[fn] = [...pickIndexes(KILL_KINDS.length, KILL_KINDS.length, random)].map((index) => KILL_KINDS[index] as KillKind);
    const kind = this.kindsInTurn[fn].shift() as KillKind;
    const either = random() < 0.5;
    switch (fn) {
      case "worker":
        if (kind === "before-processing") return { kind, point: { at: "statement", marker: STATEMENT_MARKERS.claim, when: "after" } };
        if (kind === "before-commit") return { kind, point: { at: "statement", marker: STATEMENT_MARKERS.outcomes, when: "before" } };
        // Committed, then dead before the progress report, or before the runner acknowledges.
        return { kind, point: either ? { at: "statement", marker: STATEMENT_MARKERS.outcomes, when: "after" } : { at: "end" } };
      case "fanout":
        if (kind === "before-processing") return { kind, point: { at: "start" } };
        // Part of the batch's upload messages sent, the rest not.
        if (kind === "before-commit") return { kind, point: { at: "first-send-batch" } };
        return { kind, point: { at: "end" } };
      case "finalizer":
        if (kind === "before-processing") return { kind, point: { at: "start" } };
        // Holding the push sequencer's lock, before the version bump and finalization.
        if (kind === "before-commit") return { kind, point: { at: "statement", marker: STATEMENT_MARKERS.advance, when: "before" } };
        // Finalized, then dead before pushing, or before the runner acknowledges.
        return { kind, point: either ? { at: "statement", marker: STATEMENT_MARKERS.advance, when: "after" } : { at: "end" } };
    }
  }

  private patchPool(pool: PatchablePool): void {
    const query = pool.query.bind(pool);
    const connect = pool.connect.bind(pool);
    pool.query = (...args: unknown[]) => {
      const scope = this.scopes.getStore();
      if (!scope) return query(...args);
      if (scope.killed) return never();
      const point = scope.plan?.point;
      if (point?.at === "statement" && typeof args[0] === "string" && args[0].includes(point.marker)) {
        if (point.when === "before") {
          scope.kill();
          return never();
        }
        return query(...args).then(() => {
          scope.kill();
          return never();
        });
      }
      return query(...args);
    };
    pool.connect = (...args: unknown[]) => {
      const scope = this.scopes.getStore();
      // The pool's own query() borrows clients through connect(callback): only loans made by the
      // functions' code (the push sequencer's session) belong to the invocation.
      if (!scope || typeof args[0] === "function") return connect(...args);
      if (scope.killed) return never();
      return connect().then((client) => {
        const lent = client as LentClient;
        const release = lent.release.bind(lent);
        let held = true;
        lent.release = (error?: Error | boolean) => {
          if (!held) return;
          held = false;
          scope.released(lent);
          release(error);
        };
        if (scope.killed) {
          lent.release(new Error("invocation killed"));
          return never();
        }
        scope.hold(lent);
        return client;
      });
    };
  }

  private patchSqs(sqs: PatchableSqs): void {
    const send = sqs.send.bind(sqs);
    sqs.send = (...args: unknown[]) => {
      const scope = this.scopes.getStore();
      if (!scope) return send(...args);
      if (scope.killed) return never();
      if (scope.plan?.point.at === "first-send-batch" && args[0] instanceof SendMessageBatchCommand) {
        return send(...args).then(() => {
          scope.kill();
          return never();
        });
      }
      return send(...args);
    };
  }
}

interface PatchablePool {
  query: (...args: unknown[]) => Promise<unknown>;
  connect: (...args: unknown[]) => Promise<unknown>;
}

interface PatchableSqs {
  send: (...args: unknown[]) => Promise<unknown>;
}

function emptyFigures(): FaultFigures {
  const byKind = () => ({ "before-processing": 0, "before-commit": 0, "after-commit": 0 });
  const byOutcome = () => ({ succeeded: 0, partial: 0, failed: 0, "timed-out": 0 });
  return {
    invocations: { fanout: 0, worker: 0, finalizer: 0 },
    killed: { fanout: byKind(), worker: byKind(), finalizer: byKind() },
    killsNotReached: 0,
    copiesSent: { fanout: 0, worker: 0, finalizer: 0 },
    duplicatesDelivered: 0,
    redeliveries: 0,
    progressDropped: 0,
    outcomes: { fanout: byOutcome(), worker: byOutcome(), finalizer: byOutcome() },
  };
}

/** Adds what happened since `before` (figures of one round of a longer run). */
export function figuresSince(now: FaultFigures, before: FaultFigures): FaultFigures {
  const diff = structuredClone(now);
  for (const fn of FUNCTION_NAMES) {
    diff.invocations[fn] -= before.invocations[fn];
    diff.copiesSent[fn] -= before.copiesSent[fn];
    for (const kind of KILL_KINDS) diff.killed[fn][kind] -= before.killed[fn][kind];
    for (const outcome of Object.keys(diff.outcomes[fn]) as Array<InvocationReport["outcome"]>) diff.outcomes[fn][outcome] -= before.outcomes[fn][outcome];
  }
  diff.killsNotReached -= before.killsNotReached;
  diff.duplicatesDelivered -= before.duplicatesDelivered;
  diff.redeliveries -= before.redeliveries;
  diff.progressDropped -= before.progressDropped;
  return diff;
}

