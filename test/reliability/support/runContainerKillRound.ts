import { SendMessageBatchCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { generateImages, type ContainerLogLine, type InvocationReport } from "@pipeline/local";
import { batchState } from "@pipeline/testkit";
import { wiring as deployedWiring, type Wiring } from "@pipeline/wiring";
import { ContainerKiller, type Kill } from "./ContainerKiller.js";
import type { ExpectedBatch } from "./invariants.js";
import { pickIndexes } from "./random.js";
import { RecordingClient } from "./RecordingClient.js";
import { checkRound, count, purgeDeadLetters, reconcilerRuns, roundIsQuiet, sendPoison, settle, type ReconcileFigures, type RoundObservers } from "./runChaosRound.js";

/** The functions whose containers the round kills. */
export const KILLED_FUNCTIONS = ["fanout", "worker", "finalizer"] as const;

export interface ContainerKillSizes {
  users: number;
  batchesPerUser: number;
  /** Real images per batch, plus `brokenPerBatch` unreadable files that must end `failed`. */
  imagesPerBatch: number;
  brokenPerBatch: number;
  clientsPerUser: number;
  poisonMessages: number;
  /** A kill every so often, at random within these bounds, for `killWindowMillis` after the first submission. */
  killGapMillis: readonly [number, number];
  killWindowMillis: number;
  reconcileEveryMillis: number;
  lostAfterSeconds: number;
  settleTimeoutMillis: number;
}

/**
 * The deployed wiring with short visibility timeouts: a killed invocation's records come back
 * after seconds. Only the runner and the queues read these; the functions keep their deployed
 * timeouts and everything their bundles hold.
 */
export function containerKillWiring(visibilityTimeoutSeconds: number): Wiring {
  const wiring = structuredClone(deployedWiring);
  for (const queue of ["batches", "uploads", "progress"] as const) wiring.queues[queue].visibilityTimeoutSeconds = visibilityTimeoutSeconds;
  return wiring;
}

/**
 * What the round reads from the containers' logs and the runner, as CloudWatch and the event
 * source mappings would show it: `batch finalized` lines per batch (I3), and containers that
 * ended without being killed (an uncaught error ends a Lambda runtime).
 */
export class ContainerObserver {
  readonly finalizations = new Map<string, number>();
  readonly exits: Array<{ containerId: string; reason: string }> = [];
  readonly outcomes: Record<string, Record<InvocationReport["outcome"], number>> = {};
  /** Invocations the runner saw end because their container died under them. */
  invocationsDied = 0;

  log = ({ containerId, stream, line }: ContainerLogLine): void => {
    if (stream === "runtime") {
      const exited = /^Runtime exited: (.*)$/.exec(line);
      if (exited?.[1]) this.exits.push({ containerId, reason: exited[1] });
      return;
    }
    if (stream !== "stdout" || !line.includes('"batch finalized"')) return;
    const { message, batchId } = JSON.parse(line) as { message?: string; batchId?: string };
    if (message === "batch finalized" && batchId) this.finalizations.set(batchId, (this.finalizations.get(batchId) ?? 0) + 1);
  };

  invocation = (report: InvocationReport): void => {
    const byOutcome = (this.outcomes[report.name] ??= { succeeded: 0, partial: 0, failed: 0, "timed-out": 0 });
    byOutcome[report.outcome]++;
    if (report.error instanceof Error && report.error.message.startsWith("Runtime exited")) this.invocationsDied++;
  };
}

export interface ContainerKillEnvironment extends RoundObservers {
  observer: ContainerObserver;
  /** A client of the stack's SQS engine of the test's own (`sqs`) sends the duplicates from outside. */
  random: () => number;
}

export interface ContainerKillReport {
  batches: number;
  uploads: number;
  brokenUploads: number;
  kills: Kill[];
  killsByFunction: Record<(typeof KILLED_FUNCTIONS)[number], number>;
  invocationsDied: number;
  coldStarts: Record<string, number>;
  outcomes: ContainerObserver["outcomes"];
  duplicatesSent: number;
  /** Frames that arrived after a later version, each just after a finalizer kill (see `checkClients`). */
  latePushes: number;
  reconcile: ReconcileFigures;
  deadLetters: Record<"batches" | "uploads" | "progress", number>;
  seconds: number;
  settled: boolean;
  violations: string[];
  /** Containers that ended without being killed: each is a crash of the function. */
  crashes: string[];
}

/**
 * A chaos round on the container runtime: users with live WebSocket clients submit batches of
 * real images (a few unreadable) through the upload service while busy fan-out, worker and
 * finalizer containers are SIGKILLed at random moments and every batch and upload message is
 * delivered again from outside; the reconciler runs until everything has settled; then every
 * invariant is checked, as in the in-process round.
 */
export async function runContainerKillRound(env: ContainerKillEnvironment, sizes: ContainerKillSizes): Promise<ContainerKillReport> {
  const started = Date.now();
  const { stack, random } = env;
  if (!stack.containers) throw new Error("the round kills containers: start the stack on the container runtime");
  const runId = crypto.randomUUID().slice(0, 8);

  // Prepare
  const users = Array.from({ length: sizes.users }, (_, index) => `kills-${runId}-${index}`);
  const clients = (
    await Promise.all(users.map((userId) => Promise.all(Array.from({ length: sizes.clientsPerUser }, () => RecordingClient.connect(stack.endpoints.httpUrl, stack.endpoints.wsUrl, userId)))))
  ).flat();
  const files = await generateImages(sizes.imagesPerBatch, sizes.brokenPerBatch);
  const killer = new ContainerKiller(stack.containers, { functions: KILLED_FUNCTIONS, minGapMillis: sizes.killGapMillis[0], maxGapMillis: sizes.killGapMillis[1], random });

  // Act: the killer starts with the first submission and stops after its window.
  killer.start();
  const killWindow = setTimeout(() => void killer.stop(), sizes.killWindowMillis);
  const expected: ExpectedBatch[] = await Promise.all(
    users.flatMap((userId) =>
      Array.from({ length: sizes.batchesPerUser }, async () => {
        const client = clients.find((candidate) => candidate.userId === userId) as RecordingClient;
        const batch = await client.api.submit(files);
        return { batchId: batch.batchId, userId, uploads: batch.total, broken: sizes.brokenPerBatch };
      }),
    ),
  );
  const batchIds = expected.map((batch) => batch.batchId);
  const poison = await sendPoison(env.sqs, stack, batchIds[0] ?? crypto.randomUUID(), sizes.poisonMessages);
  const duplicatesSent = (await Promise.all(batchIds.map((batchId) => deliverAgain(env, batchId)))).reduce((sum, sent) => sum + sent, 0);

  const { figures: reconcile, violations, once: reconcileOnce } = reconcilerRuns(env.stackDir, sizes.lostAfterSeconds);
  const settled = await settle(sizes, () => roundIsQuiet(env, expected, clients), reconcileOnce);
  clearTimeout(killWindow);
  await killer.stop();
  if (!settled) violations.push(`I5 the run did not settle within ${sizes.settleTimeoutMillis} ms`);

  // Assess
  await reconcileOnce();
  // A finalizer killed mid-push loses its push locks with pushes on their way.
  const holdsLostAt = killer.killTimesOf("finalizer");
  const { letters, latePushes } = await checkRound(env, { expected, clients, poison, finalizedLogLines: env.observer.finalizations, holdsLostAt }, violations);
  const killed = new Set(killer.kills.map((kill) => kill.containerId));
  const crashes = env.observer.exits.filter((exit) => !killed.has(exit.containerId)).map((exit) => `${exit.containerId} exited: ${exit.reason}`);
  for (const client of clients) client.close();
  await purgeDeadLetters(env.sqs, stack);

  const coldStarts: Record<string, number> = {};
  for (const start of stack.containers.coldStarts()) coldStarts[start.functionName] = (coldStarts[start.functionName] ?? 0) + 1;
  return {
    batches: expected.length,
    uploads: expected.reduce((sum, batch) => sum + batch.uploads, 0),
    brokenUploads: expected.reduce((sum, batch) => sum + batch.broken, 0),
    kills: killer.kills,
    killsByFunction: { fanout: killer.killsOf("fanout"), worker: killer.killsOf("worker"), finalizer: killer.killsOf("finalizer") },
    invocationsDied: env.observer.invocationsDied,
    coldStarts,
    outcomes: env.observer.outcomes,
    duplicatesSent,
    latePushes,
    reconcile,
    deadLetters: { batches: count(letters, "batches"), uploads: count(letters, "uploads"), progress: count(letters, "progress") },
    seconds: (Date.now() - started) / 1000,
    settled,
    violations,
    crashes,
  };
}

/**
 * Delivers the batch's message and each of its upload messages a second time, as SQS may: once the
 * fan-out has claimed the batch (an upload message exists only after that), in random order.
 */
async function deliverAgain(env: ContainerKillEnvironment, batchId: string): Promise<number> {
  const { stack, admin, sqs, random } = env;
  for (let tries = 0; (await batchState(admin.sql, batchId)).status === "pending"; tries++) {
    if (tries > 600) throw new Error(`batch ${batchId} was never claimed`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await sqs.send(new SendMessageCommand({ QueueUrl: stack.queues.batches.url, MessageBody: JSON.stringify({ batchId }) }));
  const { rows } = await admin.sql.query<{ id: string }>("SELECT id FROM uploads WHERE batch_id = $1", [batchId]);
  const order = [...pickIndexes(rows.length, rows.length, random)];
  for (let start = 0; start < order.length; start += 10) {
    const entries = order.slice(start, start + 10).map((index, entry) => ({ Id: String(entry), MessageBody: JSON.stringify({ batchId, uploadId: rows[index]?.id }) }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: stack.queues.uploads.url, Entries: entries }));
  }
  return rows.length + 1;
}

/** The figures of a container round, as they go into docs/reliability.md. */
export function formatContainerKillReport(report: ContainerKillReport): string {
  return [
    `container kill round: ${report.settled ? "settled" : "DID NOT SETTLE"} in ${report.seconds.toFixed(1)} s, ${report.violations.length} invariant violation(s), ${report.crashes.length} crash(es)`,
    `  uploads ${report.uploads} in ${report.batches} batches (${report.brokenUploads} unreadable); duplicate deliveries sent ${report.duplicatesSent}; frames late (just after a finalizer kill) ${report.latePushes}`,
    `  containers SIGKILLed ${report.kills.length} (${Object.entries(report.killsByFunction).map(([fn, kills]) => `${fn} ${kills}`).join(", ")}); invocations the runner saw die ${report.invocationsDied}`,
    `  cold starts ${JSON.stringify(report.coldStarts)}; runner outcomes ${JSON.stringify(report.outcomes)}`,
    `  reconciler: ${report.reconcile.runs} runs (${report.reconcile.failedRuns} failed), finalization requested ${report.reconcile.finalizationRequested}, uploads re-enqueued ${report.reconcile.requeuedUploads}, batches re-sent ${report.reconcile.resentBatches}, counters repaired ${report.reconcile.repairedCounters}`,
    `  dead letters: ${JSON.stringify(report.deadLetters)}`,
    ...report.violations.map((violation) => `  VIOLATION ${violation}`),
    ...report.crashes.map((crash) => `  CRASH ${crash}`),
  ].join("\n");
}
