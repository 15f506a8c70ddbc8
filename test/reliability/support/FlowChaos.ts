import { PostgresBatchControls, type Sql } from "@pipeline/adapters/postgres";
import { SqsJsonQueue } from "@pipeline/adapters/sqs";
import { cancelBatch, changeBatchFlow, pauseBatch, resumeBatch, type BatchMessage, type FlowControlDeps, type Logger, type ProgressMessage } from "@pipeline/core";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { LocalStack } from "@pipeline/local";
import type { ExpectedBatch } from "./invariants.js";

/** What the flow controls did in a round: each counts the calls that changed something. */
export interface FlowFigures {
  paused: number;
  resumed: number;
  limitsChanged: number;
  prioritiesChanged: number;
  cancelled: number;
  /** Calls that found the batch already final (it finished before the control). */
  tooLate: number;
  /** Calls that failed (a terminated database session) and were made again. */
  retried: number;
}

export interface FlowChaosPlan {
  /** Every control happens within this many milliseconds of the round's start; every pause is resumed by then. */
  windowMillis: number;
  /** Window changes per batch. */
  limitChangesPerBatch: number;
  /** Batches cancelled at a random moment. */
  cancels: number;
}

const silent: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * Operators and owners at random moments of a chaos round: each batch is paused and resumed, its
 * window changed (1 to 60, or back to the default) and its priority flipped, and some batches are
 * cancelled. Each control is made twice (a retried request) and each of its queue messages sent
 * twice (a duplicated delivery). A cancelled batch is marked on its `ExpectedBatch`, so the checks
 * expect it `cancelled` (if the cancel came after the batch completed, it stays `completed`).
 */
export async function runFlowChaos(
  env: { stack: LocalStack; sqs: SQSClient; sql: Sql; random: () => number },
  expected: ExpectedBatch[],
  plan: FlowChaosPlan,
): Promise<FlowFigures> {
  const figures: FlowFigures = { paused: 0, resumed: 0, limitsChanged: 0, prioritiesChanged: 0, cancelled: 0, tooLate: 0, retried: 0 };
  const batchQueue = duplicated(new SqsJsonQueue<BatchMessage>(env.sqs, env.stack.queues.batches.url));
  const progressQueue = duplicated(new SqsJsonQueue<ProgressMessage>(env.sqs, env.stack.queues.progress.url));
  const deps: FlowControlDeps = { controls: new PostgresBatchControls(env.sql), batchQueue, progressQueue, logger: silent };
  const request = { by: "operator" as const };
  const at = (fraction: number) => Math.floor(fraction * plan.windowMillis);
  const { random } = env;

  const actions: Array<{ at: number; batchId: string; run: () => Promise<void> }> = [];
  for (const batch of expected) {
    const pauseAt = at(random() * 0.6);
    const { batchId } = batch;
    actions.push({ at: pauseAt, batchId, run: () => twice(figures, "paused", () => pauseBatch(deps, batchId, request)) });
    actions.push({ at: pauseAt + at(0.1 + random() * 0.3), batchId, run: () => twice(figures, "resumed", () => resumeBatch(deps, batchId, request)) });
    for (let n = 0; n < plan.limitChangesPerBatch; n++) {
      const maxInFlight = random() < 0.25 ? null : 1 + Math.floor(random() * 60);
      actions.push({ at: at(random()), batchId, run: () => twice(figures, "limitsChanged", () => changeBatchFlow(deps, batchId, { maxInFlight }, request)) });
    }
    const priority = random() < 0.5 ? "bulk" : "interactive";
    actions.push({ at: at(random()), batchId, run: () => twice(figures, "prioritiesChanged", () => changeBatchFlow(deps, batchId, { priority }, request)) });
  }
  for (const batch of [...expected].sort(() => random() - 0.5).slice(0, plan.cancels)) {
    actions.push({
      at: at(random()),
      batchId: batch.batchId,
      run: async () => {
        const outcome = await retried(figures, () => cancelBatch({ controls: deps.controls, progressQueue, logger: silent }, batch.batchId, request));
        if (outcome.kind === "cancelled") {
          batch.cancelled = true;
          figures.cancelled++;
        } else figures.tooLate++;
      },
    });
  }

  // One batch's controls run one after another (as one operator's would), so a repeated control
  // finds its own change, not another control's made in between.
  const lanes = new Map<string, Promise<void>>();
  const started = Date.now();
  await Promise.all(
    actions.map(async (action) => {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, action.at - (Date.now() - started))));
      const lane = (lanes.get(action.batchId) ?? Promise.resolve()).then(action.run);
      lanes.set(action.batchId, lane.catch(() => {}));
      await lane;
    }),
  );
  return figures;
}

type Counted = "paused" | "resumed" | "limitsChanged" | "prioritiesChanged";

/** The control twice, as a retried request makes it: the second finds it done and changes nothing. */
async function twice(figures: FlowFigures, counter: Counted, control: () => Promise<{ kind: string; changed?: boolean }>): Promise<void> {
  const first = await retried(figures, control);
  const second = await retried(figures, control);
  if (first.kind === "applied" && first.changed) figures[counter]++;
  else if (first.kind === "already-final") figures.tooLate++;
  if (second.kind === "applied" && second.changed) throw new Error(`a repeated ${counter} control changed the batch again`);
}

/** A control whose database session was terminated under it is made again, as an operator would. */
async function retried<T>(figures: FlowFigures, control: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await control();
    } catch (error) {
      if (attempt >= 10) throw error;
      figures.retried++;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Every message sent twice: the pipeline must take a duplicated control message as one. */
function duplicated<M>(queue: { send(message: M): Promise<void> }): { send(message: M): Promise<void> } {
  return {
    send: async (message) => {
      await queue.send(message);
      await queue.send(message);
    },
  };
}
