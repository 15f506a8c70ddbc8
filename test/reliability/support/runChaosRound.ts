import { randomUUID } from "node:crypto";
import { GetQueueAttributesCommand, PurgeQueueCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { DeadLetterMessage } from "@pipeline/core";
import type { FileToSubmit, LocalStack } from "@pipeline/local";
import { batchState, type BatchState } from "@pipeline/testkit";
import { BROKEN_PREFIX, type ChaosProcessor } from "./ChaosProcessor.js";
import type { DatabaseAdmin } from "./DatabaseAdmin.js";
import { figuresSince, type FaultFigures, type FaultInjector } from "./FaultInjector.js";
import { RecordingClient } from "./RecordingClient.js";
import type { TallyLogger } from "./TallyLogger.js";
import { batchctl } from "./batchctl.js";
import { checkBatches, checkClients, checkDeadLetters, type ExpectedBatch, type PoisonMessage } from "./invariants.js";
import { pickIndexes } from "./random.js";
import { runFlowChaos, type FlowChaosPlan, type FlowFigures } from "./FlowChaos.js";

const NO_FLOW: FlowFigures = { paused: 0, resumed: 0, limitsChanged: 0, prioritiesChanged: 0, cancelled: 0, tooLate: 0, retried: 0 };

export interface ChaosSizes {
  users: number;
  batchesPerUser: number;
  uploadsPerBatch: number;
  /** Real WebSocket clients per user, connected before the batches start. */
  clientsPerUser: number;
  /** Share of uploads that fail permanently. */
  brokenRate: number;
  /** Bad messages sent to the uploads queue among the good ones. */
  poisonMessages: number;
  /** Times every database session is terminated, at random moments of the first `terminationWindowMillis`. */
  terminations: number;
  terminationWindowMillis: number;
  /** The reconciler's period during the run, and its grace for lost messages. */
  reconcileEveryMillis: number;
  lostAfterSeconds: number;
  /** The run fails if it has not settled by then. */
  settleTimeoutMillis: number;
  /** Pauses, resumes, window and priority changes and cancels at random moments; none when left out. */
  flowChaos?: FlowChaosPlan;
}

/** What a chaos run needs from its stack. */
export interface ChaosEnvironment {
  stack: LocalStack;
  /** The stack's folder, with its stack.json for batchctl. */
  stackDir: string;
  injector: FaultInjector;
  logger: TallyLogger;
  admin: DatabaseAdmin;
  processor: ChaosProcessor;
  /** A client of the stack's SQS engine, outside the fault injector. */
  sqs: SQSClient;
  random: () => number;
  /** Uncaught exceptions of the process so far. */
  uncaught: readonly unknown[];
}

export interface ReconcileFigures {
  runs: number;
  failedRuns: number;
  finalizationRequested: number;
  finalPushRequested: number;
  requeuedUploads: number;
  resentBatches: number;
  repairedCounters: number;
}

export interface ChaosReport {
  round: number;
  batches: number;
  uploads: number;
  brokenUploads: number;
  clients: number;
  faults: FaultFigures;
  terminations: number;
  connectionsTerminated: number;
  reconcile: ReconcileFigures;
  /** What the flow controls changed (zeros without flow chaos). */
  flow: FlowFigures;
  deadLetters: Record<DeadLetterMessage["queue"], number>;
  processorCalls: number;
  framesReceived: number;
  /** Frames that arrived after a later version, each just after a terminated session (see `checkClients`). */
  latePushes: number;
  /** Finalizations whose log line was lost because the finalizer died right after its commit. */
  finalizationLogsLost: number;
  seconds: number;
  settled: boolean;
  /** Invariant violations (I1-I6). */
  violations: string[];
  /** Uncaught exceptions: each would have ended a Lambda runtime (or the whole local stack). */
  crashes: string[];
}

const QUEUES = ["batches", "uploads", "progress"] as const;

/**
 * One round of chaos on a running stack: users with live WebSocket clients submit batches through
 * the upload service while the fault injector kills, duplicates and drops, Postgres sessions are
 * terminated at random and poison messages are mixed in; the reconciler runs until everything has
 * settled; then every invariant is checked. Returns the figures and the violations found.
 */
export async function runChaosRound(env: ChaosEnvironment, sizes: ChaosSizes, round: number): Promise<ChaosReport> {
  const started = Date.now();
  const { stack, admin, random } = env;
  const faultsBefore = structuredClone(env.injector.figures);
  const terminationsBefore = { times: admin.terminations, connections: admin.connectionsTerminated };
  const callsBefore = env.processor.calls;
  const uncaughtBefore = env.uncaught.length;
  const runId = randomUUID().slice(0, 8);

  // Prepare: every user's clients are connected before any batch starts.
  const users = Array.from({ length: sizes.users }, (_, index) => `chaos-${runId}-${index}`);
  const clients = (
    await Promise.all(users.map((userId) => Promise.all(Array.from({ length: sizes.clientsPerUser }, () => RecordingClient.connect(stack.endpoints.httpUrl, stack.endpoints.wsUrl, userId)))))
  ).flat();

  // Act: the batches go in through the upload service, then the faults start.
  const brokenPerBatch = Math.round(sizes.uploadsPerBatch * sizes.brokenRate);
  const expected: ExpectedBatch[] = await Promise.all(
    users.flatMap((userId) =>
      Array.from({ length: sizes.batchesPerUser }, async () => {
        const broken = pickIndexes(sizes.uploadsPerBatch, brokenPerBatch, random);
        const files: FileToSubmit[] = Array.from({ length: sizes.uploadsPerBatch }, (_, index) => ({
          filename: `${broken.has(index) ? BROKEN_PREFIX : "photo-"}${index}.jpg`,
          type: "image/jpeg",
          data: Buffer.from(`chaos upload ${index}`),
        }));
        const client = clients.find((candidate) => candidate.userId === userId) as RecordingClient;
        const batch = await client.api.submit(files);
        return { batchId: batch.batchId, userId, uploads: batch.total, broken: brokenPerBatch };
      }),
    ),
  );
  const batchIds = expected.map((batch) => batch.batchId);
  const poison = await sendPoison(env.sqs, stack, expected[0]?.batchId ?? randomUUID(), sizes.poisonMessages);
  admin.scheduleTerminations(sizes.terminations, sizes.terminationWindowMillis, random);
  const flowControls = sizes.flowChaos ? runFlowChaos({ stack, sqs: env.sqs, sql: admin.sql, random }, expected, sizes.flowChaos) : Promise.resolve(NO_FLOW);

  const { figures: reconcile, violations, once: reconcileOnce } = reconcilerRuns(env.stackDir, sizes.lostAfterSeconds);
  // Every pause is resumed within the plan's window: the round cannot settle before the controls end.
  const flow = await flowControls;
  const settled = await settle(sizes, () => roundIsQuiet(env, expected, clients), reconcileOnce);
  await admin.stopTerminations();
  if (!settled) violations.push(`I5 the run did not settle within ${sizes.settleTimeoutMillis} ms`);

  // Assess: a last reconcile must find nothing to repair, then every invariant is checked.
  await reconcileOnce();
  const logLines = new Map(batchIds.map((batchId) => [batchId, env.logger.finalizations.get(batchId) ?? 0]));
  const { finalizations, letters, latePushes } = await checkRound(env, { expected, clients, poison, finalizedLogLines: logLines, holdsLostAt: admin.terminationsStartedAt }, violations);
  const crashes = env.uncaught.slice(uncaughtBefore).map((error) => (error instanceof Error ? `${error.message} (${error.stack?.split("\n")[1]?.trim() ?? "no stack"})` : String(error)));
  for (const client of clients) client.close();
  await purgeDeadLetters(env.sqs, stack);

  return {
    round,
    batches: expected.length,
    uploads: expected.reduce((sum, batch) => sum + batch.uploads, 0),
    brokenUploads: expected.reduce((sum, batch) => sum + batch.broken, 0),
    clients: clients.length,
    faults: figuresSince(env.injector.figures, faultsBefore),
    terminations: admin.terminations - terminationsBefore.times,
    connectionsTerminated: admin.connectionsTerminated - terminationsBefore.connections,
    reconcile,
    flow,
    deadLetters: { batches: count(letters, "batches"), uploads: count(letters, "uploads"), progress: count(letters, "progress") },
    processorCalls: env.processor.calls - callsBefore,
    framesReceived: clients.reduce((sum, client) => sum + client.frames.length, 0),
    latePushes,
    finalizationLogsLost: batchIds.filter((batchId) => (finalizations.get(batchId) ?? 0) === 1 && (logLines.get(batchId) ?? 0) === 0).length,
    seconds: (Date.now() - started) / 1000,
    settled,
    violations,
    crashes,
  };
}

/**
 * `batchctl reconcile` as an operator (or the schedule) runs it, with the figures of every run and
 * a violation for each repair of counters (they must never disagree with the uploads table).
 */
export function reconcilerRuns(stackDir: string, lostAfterSeconds: number): { figures: ReconcileFigures; violations: string[]; once(): Promise<void> } {
  const figures: ReconcileFigures = { runs: 0, failedRuns: 0, finalizationRequested: 0, finalPushRequested: 0, requeuedUploads: 0, resentBatches: 0, repairedCounters: 0 };
  const violations: string[] = [];
  const once = async () => {
    const result = await batchctl(stackDir, "reconcile", "--lost-after", String(lostAfterSeconds), "--json");
    figures.runs++;
    // A run that meets a terminated session fails; the next one repeats its work.
    if (result.code !== 0) return void figures.failedRuns++;
    const { summary } = JSON.parse(result.out) as { summary: { finalizationRequested: number; finalPushRequested: number; requeuedUploads: number; resentBatches: number; repairedCounters: number } };
    figures.finalizationRequested += summary.finalizationRequested;
    figures.finalPushRequested += summary.finalPushRequested;
    figures.requeuedUploads += summary.requeuedUploads;
    figures.resentBatches += summary.resentBatches;
    figures.repairedCounters += summary.repairedCounters;
    if (summary.repairedCounters > 0) violations.push(`I1/I2 the reconciler repaired the counters of ${summary.repairedCounters} batch(es): they disagreed with the uploads table`);
  };
  return { figures, violations, once };
}

/** What a round's checks read: the test's own database session, SQS client and the stack. */
export interface RoundObservers {
  stack: LocalStack;
  stackDir: string;
  admin: DatabaseAdmin;
  sqs: SQSClient;
}

/** Every batch of the round closed, every client told, and no message left anywhere in the queues. */
export async function roundIsQuiet(env: RoundObservers, expected: readonly ExpectedBatch[], clients: readonly RecordingClient[]): Promise<boolean> {
  const { rows } = await env.admin.sql.query<{ open: number }>(
    "SELECT count(*)::int AS open FROM upload_batches WHERE id = ANY($1::uuid[]) AND status IN ('pending', 'processing')",
    [expected.map((batch) => batch.batchId)],
  );
  if ((rows[0]?.open ?? 1) > 0) return false;
  const told = clients.every((client) => expected.every((batch) => batch.userId !== client.userId || client.completedAt(batch.batchId) !== undefined));
  return told && (await queuedMessages(env.sqs, env.stack)) === 0;
}

/** Checks every invariant on a settled round, adding what it finds to `violations`; returns what it read. */
export async function checkRound(
  env: RoundObservers,
  round: {
    expected: readonly ExpectedBatch[];
    clients: readonly RecordingClient[];
    poison: readonly PoisonMessage[];
    finalizedLogLines: ReadonlyMap<string, number>;
    /** When a finalizer may have lost its push locks mid-push (epoch milliseconds): see `checkClients`. */
    holdsLostAt: readonly number[];
  },
  violations: string[],
): Promise<{ finalizations: Map<string, number>; letters: DeadLetterMessage[]; latePushes: number }> {
  const batchIds = round.expected.map((batch) => batch.batchId);
  const states = new Map<string, BatchState>();
  for (const batchId of batchIds) states.set(batchId, await batchState(env.admin.sql, batchId));
  const finalizations = await env.admin.finalizations(batchIds);
  const letters = await deadLetters(env.stackDir);
  const clientChecks = checkClients(round.clients, round.expected, states, round.holdsLostAt);
  violations.push(...checkBatches(round.expected, states, finalizations, round.finalizedLogLines), ...clientChecks.violations, ...checkDeadLetters(letters, round.poison));
  return { finalizations, letters, latePushes: clientChecks.latePushes };
}

/** Polls `done` until it holds, running the reconciler on its period meanwhile. */
export async function settle(sizes: Pick<ChaosSizes, "settleTimeoutMillis" | "reconcileEveryMillis">, done: () => Promise<boolean>, reconcileOnce: () => Promise<void>): Promise<boolean> {
  const deadline = Date.now() + sizes.settleTimeoutMillis;
  let nextReconcile = Date.now() + sizes.reconcileEveryMillis;
  let confirmations = 0;
  while (Date.now() < deadline) {
    if (Date.now() >= nextReconcile) {
      await reconcileOnce();
      nextReconcile = Date.now() + sizes.reconcileEveryMillis;
    }
    // Twice in a row: a message between its receipt and its copy must not look like quiet.
    confirmations = (await done()) ? confirmations + 1 : 0;
    if (confirmations >= 2) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

/** Bad messages among the good ones: half are not JSON, half name an upload that does not exist. */
export async function sendPoison(sqs: SQSClient, stack: LocalStack, batchId: string, count: number): Promise<PoisonMessage[]> {
  const poison: PoisonMessage[] = Array.from({ length: count }, (_, index) =>
    index % 2 === 0
      ? { queue: "uploads", body: `{"batchId": "${batchId}", "uploadId": ${randomUUID()}`, reason: /^body is not JSON/ }
      : { queue: "uploads", body: JSON.stringify({ batchId, uploadId: randomUUID() }), reason: /^unknown upload / },
  );
  for (const message of poison) await sqs.send(new SendMessageCommand({ QueueUrl: stack.queues[message.queue].url, MessageBody: message.body }));
  return poison;
}

/** Messages anywhere in the main queues: waiting, in flight or delayed. */
async function queuedMessages(sqs: SQSClient, stack: LocalStack): Promise<number> {
  let total = 0;
  for (const queue of QUEUES) {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.queues[queue].url,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
      }),
    );
    total += Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0);
  }
  return total;
}

async function deadLetters(stackDir: string): Promise<DeadLetterMessage[]> {
  const result = await batchctl(stackDir, "dlq", "list", "--json", "--max", "2000");
  if (result.code !== 0) throw new Error(`batchctl dlq list failed (${result.code}): ${result.err}`);
  return JSON.parse(result.out) as DeadLetterMessage[];
}

/** Each round starts with empty dead-letter queues, so its checks see only its own letters. */
export async function purgeDeadLetters(sqs: SQSClient, stack: LocalStack): Promise<void> {
  for (const queue of QUEUES) await sqs.send(new PurgeQueueCommand({ QueueUrl: stack.queues[queue].dlqUrl }));
}

export function count(letters: readonly DeadLetterMessage[], queue: DeadLetterMessage["queue"]): number {
  return letters.filter((letter) => letter.queue === queue).length;
}
