import type { DeadLetterMessage } from "@pipeline/core";
import type { BatchState } from "@pipeline/testkit";
import type { RecordingClient } from "./RecordingClient.js";

/** A batch the run submitted, with what it must end as. */
export interface ExpectedBatch {
  batchId: string;
  userId: string;
  uploads: number;
  /** Uploads that fail permanently: they must end `failed`, the others `completed`. */
  broken: number;
  /** Cancelled while running (flow chaos): it must end `cancelled`, every upload counted, none left. */
  cancelled?: boolean;
}

/** A message that can never succeed, sent on purpose: it must sit in a DLQ with its reason. */
export interface PoisonMessage {
  queue: "uploads" | "batches" | "progress";
  body: string;
  reason: RegExp;
}

/** I1, I2, I5 (every upload terminal and counted once, counters consistent) and I3 (one finalization). */
export function checkBatches(
  expected: readonly ExpectedBatch[],
  states: ReadonlyMap<string, BatchState>,
  finalizations: ReadonlyMap<string, number>,
  finalizedLogLines: ReadonlyMap<string, number>,
): string[] {
  const violations: string[] = [];
  for (const batch of expected) {
    const state = states.get(batch.batchId);
    const name = `batch ${batch.batchId}`;
    if (!state) {
      violations.push(`I5 ${name}: not found`);
      continue;
    }
    const { actual } = state;
    if (state.processed !== state.successful + state.failed + state.cancelled || state.processed > state.total) {
      violations.push(`I2 ${name}: counters inconsistent ${JSON.stringify(state)}`);
    }
    if (state.processed !== actual.terminal || state.successful !== actual.completed || state.failed !== actual.failed || state.cancelled !== actual.cancelled || state.total !== actual.all) {
      violations.push(`I1/I2 ${name}: counters differ from the uploads table ${JSON.stringify(state)}`);
    }
    if (actual.all !== batch.uploads) violations.push(`I5 ${name}: ${actual.all} uploads stored, ${batch.uploads} submitted`);
    if (actual.terminal !== actual.all) violations.push(`I5 ${name}: ${actual.all - actual.terminal} uploads not terminal`);
    // A cancelled batch's split between completed, failed and cancelled depends on when the cancel came.
    const want = batch.cancelled
      ? { status: "cancelled", total: batch.uploads, processed: batch.uploads }
      : { status: "completed", total: batch.uploads, processed: batch.uploads, successful: batch.uploads - batch.broken, failed: batch.broken, cancelled: 0 };
    const got = batch.cancelled
      ? { status: state.status, total: state.total, processed: state.processed }
      : { status: state.status, total: state.total, processed: state.processed, successful: state.successful, failed: state.failed, cancelled: state.cancelled };
    if (batch.cancelled && state.failed > batch.broken) violations.push(`I1 ${name}: ${state.failed} uploads failed, only ${batch.broken} could`);
    if (JSON.stringify(got) !== JSON.stringify(want)) violations.push(`I1 ${name}: ended ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    const moves = finalizations.get(batch.batchId) ?? 0;
    if (moves !== 1) violations.push(`I3 ${name}: moved to a final state ${moves} times`);
    const lines = finalizedLogLines.get(batch.batchId) ?? 0;
    if (lines > 1) violations.push(`I3 ${name}: "batch finalized" logged ${lines} times`);
  }
  return violations;
}

/**
 * How long after a finalizer lost its push locks (its session was terminated, its container
 * killed) a push it had already sent may still arrive: one push round trip, generously for a
 * loaded machine. Such a push can come after the next holder's later version (docs/design.md,
 * "A lost hold stops the pushes"); any other frame out of version order is a violation.
 */
export const LATE_PUSH_WINDOW_MILLIS = 2_000;

export interface ClientChecks {
  violations: string[];
  /** Frames that arrived after a later version, each within the window of a lost hold. */
  latePushes: number;
}

/**
 * I3 (the final push reaches every client), I4 (versions and counters never go backwards) and I6
 * (a client only ever receives its own user's batches). A client applies a frame unless it is
 * older than the last it applied, as the dashboard does; what it shows, the applied frames, must
 * never go backwards and must end in the final state. Frames must also arrive in version order,
 * but for pushes that arrive within `LATE_PUSH_WINDOW_MILLIS` of a lost hold (`holdsLostAt`,
 * epoch milliseconds), which are counted.
 */
export function checkClients(
  clients: readonly RecordingClient[],
  expected: readonly ExpectedBatch[],
  states: ReadonlyMap<string, BatchState>,
  holdsLostAt: readonly number[] = [],
): ClientChecks {
  const violations: string[] = [];
  let latePushes = 0;
  const owners = new Map(expected.map((batch) => [batch.batchId, batch.userId]));
  const afterLostHold = (at: number) => holdsLostAt.some((lostAt) => lostAt <= at && at - lostAt <= LATE_PUSH_WINDOW_MILLIS);
  for (const [index, client] of clients.entries()) {
    const name = `client ${index} of ${client.userId}`;
    for (const { frame } of client.frames) {
      if (frame.type === "error") violations.push(`${name}: error frame ${JSON.stringify(frame)}`);
      if (frame.batchId !== undefined && owners.get(frame.batchId) !== client.userId) {
        violations.push(`I6 ${name}: received ${frame.type} of batch ${frame.batchId}, owned by ${owners.get(frame.batchId) ?? "someone else"}`);
      }
    }
    for (const batch of expected.filter((candidate) => candidate.userId === client.userId)) {
      const received = client.frames.filter(({ frame }) => frame.batchId === batch.batchId);
      const applied: typeof received = [];
      let highest = 0;
      for (const entry of received) {
        const version = entry.frame.version ?? 0;
        if (version < highest) {
          if (afterLostHold(entry.at)) latePushes++;
          else violations.push(`I4 ${name}, batch ${batch.batchId}: version ${version} after ${highest}`);
          continue;
        }
        highest = version;
        applied.push(entry);
      }
      const counters = applied.map(({ frame }) => frame).filter((frame) => frame.type === "batch.progress" || frame.type === "batch.completed");
      for (let at = 1; at < counters.length; at++) {
        const previous = counters[at - 1]?.processed ?? 0;
        const current = counters[at]?.processed ?? 0;
        if (current < previous) violations.push(`I4 ${name}, batch ${batch.batchId}: processed ${current} after ${previous}`);
      }
      const last = counters.at(-1);
      const state = states.get(batch.batchId);
      if (!counters.some((frame) => frame.type === "batch.completed")) violations.push(`I3 ${name}, batch ${batch.batchId}: no batch.completed received`);
      else if (
        !last ||
        !state ||
        last.type !== "batch.completed" ||
        last.status !== state.status ||
        last.processed !== state.processed ||
        last.successful !== state.successful ||
        last.failed !== state.failed ||
        last.total !== state.total
      ) {
        violations.push(`I3 ${name}, batch ${batch.batchId}: last push ${JSON.stringify(last && { ...last, changes: undefined })} is not the final state ${JSON.stringify(state)}`);
      }
    }
  }
  return { violations, latePushes };
}

/** I5: each poison message sits in its dead-letter queue with its reason, as `batchctl dlq list` shows it. */
export function checkDeadLetters(letters: readonly DeadLetterMessage[], poison: readonly PoisonMessage[]): string[] {
  const violations: string[] = [];
  for (const message of poison) {
    const parked = letters.filter((letter) => letter.queue === message.queue && letter.body === message.body);
    if (parked.length === 0) violations.push(`I5 poison message ${message.body.slice(0, 60)} is not in the ${message.queue} dead-letter queue`);
    else if (!parked.some((letter) => letter.reason !== null && message.reason.test(letter.reason))) {
      violations.push(`I5 poison message ${message.body.slice(0, 60)} is parked without its reason: ${JSON.stringify(parked.map((letter) => letter.reason))}`);
    }
  }
  return violations;
}
