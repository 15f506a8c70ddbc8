import { randomUUID } from "node:crypto";
import type { FileToSubmit, LocalStack } from "@pipeline/local";
import { batchState, type BatchState } from "@pipeline/testkit";
import type { DatabaseAdmin } from "./DatabaseAdmin.js";
import { RecordingClient } from "./RecordingClient.js";
import type { TallyLogger } from "./TallyLogger.js";
import { checkBatches, checkClients, type ExpectedBatch } from "./invariants.js";
import { percentile } from "./random.js";

export interface LoadSizes {
  /** One user per batch, all submitted at once. */
  batches: number;
  uploadsPerBatch: number;
  /** WebSocket clients per user, connected before the batches start. */
  clientsPerUser: number;
  timeoutMillis: number;
}

export interface LoadReport {
  batches: number;
  uploads: number;
  clients: number;
  /** From the first submission to the last batch.completed a client received. */
  seconds: number;
  /** How long the upload service took to take every batch (multipart, S3, rows, batch message). */
  submitSeconds: number;
  /** Uploads per second from the first batch's start (fan-out claim) to the last batch's completion, as the database recorded them. */
  throughput: number;
  /** Per client and batch: from the batch's last upload commit to that client's batch.completed. */
  latencyMillis: { p50: number; p95: number; max: number };
  /** The process's peak resident set (the whole stack but Postgres, which is its own process). */
  peakRssMegabytes: number;
  framesReceived: number;
  violations: string[];
}

/**
 * Many users' batches at once, each followed by its user's live clients: nothing may be lost, and
 * the figures say how fast the pipeline went and how soon the clients heard of the end.
 */
export async function runLoad(stack: LocalStack, admin: DatabaseAdmin, logger: TallyLogger, sizes: LoadSizes): Promise<LoadReport> {
  const runId = randomUUID().slice(0, 8);
  const users = Array.from({ length: sizes.batches }, (_, index) => `load-${runId}-${index}`);
  const clients = (
    await Promise.all(users.map((userId) => Promise.all(Array.from({ length: sizes.clientsPerUser }, () => RecordingClient.connect(stack.endpoints.httpUrl, stack.endpoints.wsUrl, userId)))))
  ).flat();
  const files: FileToSubmit[] = Array.from({ length: sizes.uploadsPerBatch }, (_, index) => ({ filename: `load-${index}.jpg`, type: "image/jpeg", data: Buffer.from(`load upload ${index}`) }));

  const started = Date.now();
  const expected: ExpectedBatch[] = await Promise.all(
    users.map(async (userId) => {
      const client = clients.find((candidate) => candidate.userId === userId) as RecordingClient;
      const batch = await client.api.submit(files);
      return { batchId: batch.batchId, userId, uploads: batch.total, broken: 0 };
    }),
  );
  const submitSeconds = (Date.now() - started) / 1000;
  const violations: string[] = [];
  const deadline = started + sizes.timeoutMillis;
  const told = () => clients.every((client) => expected.every((batch) => batch.userId !== client.userId || client.completedAt(batch.batchId) !== undefined));
  while (!told() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  const finished = Date.now();
  if (!told()) violations.push(`I3 not every client heard of its batch's completion within ${sizes.timeoutMillis} ms`);

  const batchIds = expected.map((batch) => batch.batchId);
  const states = new Map<string, BatchState>();
  for (const batchId of batchIds) states.set(batchId, await batchState(admin.sql, batchId));
  const finalizations = await admin.finalizations(batchIds);
  const logLines = new Map(batchIds.map((batchId) => [batchId, logger.finalizations.get(batchId) ?? 0]));
  violations.push(...checkBatches(expected, states, finalizations, logLines), ...checkClients(clients, expected, states).violations);

  const { rows: span } = await admin.sql.query<{ started: Date; completed: Date }>(
    "SELECT min(started_at) AS started, max(completed_at) AS completed FROM upload_batches WHERE id = ANY($1::uuid[])",
    [batchIds],
  );
  const { rows: lastCommits } = await admin.sql.query<{ batch_id: string; last: Date }>(
    "SELECT batch_id, max(updated_at) AS last FROM uploads WHERE batch_id = ANY($1::uuid[]) GROUP BY batch_id",
    [batchIds],
  );
  const lastCommit = new Map(lastCommits.map((row) => [row.batch_id, new Date(row.last).getTime()]));
  const latencies = clients.flatMap((client) =>
    expected.filter((batch) => batch.userId === client.userId).flatMap((batch) => {
      const at = client.completedAt(batch.batchId);
      const commit = lastCommit.get(batch.batchId);
      return at === undefined || commit === undefined ? [] : [at - commit];
    }),
  );
  for (const client of clients) client.close();

  const uploads = expected.reduce((sum, batch) => sum + batch.uploads, 0);
  const window = span[0] ? (new Date(span[0].completed).getTime() - new Date(span[0].started).getTime()) / 1000 : Number.NaN;
  return {
    batches: expected.length,
    uploads,
    clients: clients.length,
    seconds: (finished - started) / 1000,
    submitSeconds,
    throughput: uploads / window,
    latencyMillis: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: Math.max(...latencies) },
    peakRssMegabytes: process.resourceUsage().maxRSS / 1024,
    framesReceived: clients.reduce((sum, client) => sum + client.frames.length, 0),
    violations,
  };
}

export function formatLoadReport(report: LoadReport): string {
  return [
    `load: ${report.batches} batches x ${report.uploads / report.batches} uploads, ${report.clients} WebSocket clients: ${report.violations.length} invariant violation(s)`,
    `  end to end ${report.seconds.toFixed(1)} s (submitting ${report.submitSeconds.toFixed(1)} s); throughput ${report.throughput.toFixed(0)} uploads/s (first start to last completion)`,
    `  last commit -> client batch.completed: p50 ${report.latencyMillis.p50} ms, p95 ${report.latencyMillis.p95} ms, max ${report.latencyMillis.max} ms`,
    `  peak RSS ${report.peakRssMegabytes.toFixed(0)} MB (this process; Postgres runs apart); ${report.framesReceived} frames received`,
    ...report.violations.map((violation) => `  VIOLATION ${violation}`),
  ].join("\n");
}
