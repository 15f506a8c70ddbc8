import { isTerminalBatchStatus } from "../batch/batchStatus.js";
import { describeError, errorMessage } from "../describeError.js";
import type { ProgressMessage } from "../messages/schemas.js";
import type { BatchRepository } from "../ports/BatchRepository.js";
import type { ConnectionNotifier } from "../ports/ConnectionNotifier.js";
import type { Connection, ConnectionRepository } from "../ports/ConnectionRepository.js";
import type { Logger } from "../ports/Logger.js";
import type { Metrics } from "../ports/Metrics.js";
import type { PushSequencer } from "../ports/PushSequencer.js";
import type { UploadChange } from "../upload/types.js";
import { mapWithConcurrency } from "../support/mapWithConcurrency.js";
import type { Verdict } from "../verdict/messageFate.js";
import { batchPushes } from "./batchPushes.js";
import { changedUploads } from "./changedUploads.js";
import { MAX_CHANGES_PER_PUSH, type ServerMessage } from "./serverMessages.js";

export interface FinalizeProgressDeps {
  batches: BatchRepository;
  sequencer: PushSequencer;
  connections: ConnectionRepository;
  notifier: ConnectionNotifier;
  logger: Logger;
  metrics?: Metrics;
}

export interface FinalizeProgressOptions {
  pushConcurrency: number;
}

export interface FinalizeProgressResult {
  /** Batches this run moved to their final state (each batch appears in exactly one run). */
  finalized: string[];
  /** Batch ids named by messages that do not exist. */
  unknownBatches: string[];
  pushesSent: number;
  connectionsGone: number;
  pushesFailed: number;
}

/**
 * Groups an invocation's progress messages per batch, advances each unfinished batch's version
 * once (finalizing the batches whose uploads are all terminal), reads the named uploads' states
 * from their rows (a final push: the batch's uploads, up to a push's worth), pushes one message per
 * batch to each of its owner's connections (a final state only until it is recorded as pushed, see
 * `batchPushes`), then records the final states it pushed. The messages only say where to look:
 * every state pushed is the database's.
 */
export async function finalizeProgress(
  deps: FinalizeProgressDeps,
  messages: readonly ProgressMessage[],
  options: FinalizeProgressOptions,
): Promise<FinalizeProgressResult> {
  const changedByBatch = changedUploads(messages);
  const batchIds = [...changedByBatch.keys()];
  const result: FinalizeProgressResult = { finalized: [], unknownBatches: [], pushesSent: 0, connectionsGone: 0, pushesFailed: 0 };
  if (batchIds.length === 0) return result;
  await deps.sequencer.inOrder(batchIds, (held) => advanceAndPush(deps, changedByBatch, options, result, held));
  deps.metrics?.count("PushesSent", result.pushesSent);
  deps.metrics?.count("ConnectionsGone", result.connectionsGone);
  deps.metrics?.count("PushesFailed", result.pushesFailed);
  return result;
}

async function advanceAndPush(
  deps: FinalizeProgressDeps,
  changedByBatch: Map<string, string[]>,
  options: FinalizeProgressOptions,
  result: FinalizeProgressResult,
  held: AbortSignal,
): Promise<void> {
  const { logger } = deps;
  const batchIds = [...changedByBatch.keys()];

  const advances = await deps.batches.advanceProgress(batchIds);
  const known = new Set(advances.map((advance) => advance.snapshot.id));
  result.unknownBatches = batchIds.filter((id) => !known.has(id));
  for (const batchId of result.unknownBatches) logger.warn("progress for an unknown batch dropped", { batchId });

  const now = Date.now();
  for (const { snapshot, finalizedNow, finalization } of advances) {
    if (!finalizedNow) continue;
    result.finalized.push(snapshot.id);
    deps.metrics?.count("BatchesFinalized");
    if (finalization) deps.metrics?.milliseconds("FinalizationLatency", Math.max(0, now - finalization.lastChangeAt.getTime()));
    logger.info("batch finalized", {
      batchId: snapshot.id,
      status: snapshot.status,
      total: snapshot.totalUploads,
      successful: snapshot.successfulUploads,
      failed: snapshot.failedUploads,
    });
  }

  // Read after the advance, in a statement of its own: every outcome its counters include was
  // committed before it began, so a final push names every upload's outcome, the one whose message
  // has not arrived yet included (one statement of the same snapshot as the advance could miss it).
  const toPush = advances.filter((advance) => !(advance.pushedBefore && isTerminalBatchStatus(advance.snapshot.status)));
  const requests = toPush
    .map(({ snapshot }) => ({
      batchId: snapshot.id,
      uploadIds: changedByBatch.get(snapshot.id) ?? [],
      firstOfBatch: isTerminalBatchStatus(snapshot.status) ? MAX_CHANGES_PER_PUSH + 1 : 0,
    }))
    .filter((request) => request.uploadIds.length > 0 || request.firstOfBatch > 0);
  const states = requests.length > 0 ? await deps.batches.uploadStates(requests) : new Map<string, UploadChange[]>();
  const pushesByBatch = advances.map((advance) => ({ advance, pushes: batchPushes(advance, states.get(advance.snapshot.id) ?? []) }));
  const finalStates = pushesByBatch.filter(({ pushes }) => pushes.some((push) => push.type === "batch.completed")).map(({ advance }) => advance);
  for (const { snapshot } of finalStates.filter(({ finalizedNow }) => !finalizedNow)) {
    logger.info("final state pushed by a later run: none had recorded it as pushed", { batchId: snapshot.id, status: snapshot.status, version: snapshot.version });
  }
  const owners = [...new Set(pushesByBatch.filter(({ pushes }) => pushes.length > 0).map(({ advance }) => advance.snapshot.userId))];
  const connections = await deps.connections.forUsers(owners);
  const connectionsByUser = new Map<string, Connection[]>();
  for (const connection of connections) {
    const list = connectionsByUser.get(connection.userId) ?? [];
    list.push(connection);
    connectionsByUser.set(connection.userId, list);
  }

  const deliveries = pushesByBatch.flatMap(({ advance, pushes }) =>
    (connectionsByUser.get(advance.snapshot.userId) ?? []).flatMap((connection) => pushes.map((push) => ({ connection, push }))),
  );

  const gone = new Set<string>();
  let withheld = 0;
  await mapWithConcurrency(deliveries, options.pushConcurrency, async ({ connection, push }) => {
    if (held.aborted) return void withheld++;
    if (gone.has(connection.connectionId)) return;
    try {
      const outcome = await deps.notifier.push(connection.connectionId, push);
      if (outcome === "sent") {
        result.pushesSent++;
        return;
      }
      if (gone.has(connection.connectionId)) return;
      gone.add(connection.connectionId);
      result.connectionsGone++;
      await deps.connections.remove(connection.connectionId);
      logger.info("connection gone; removed", { batchId: pushBatchId(push), connectionId: connection.connectionId });
    } catch (error) {
      // A client that misses a push catches up from a snapshot; one bad connection must not hold up the rest.
      result.pushesFailed++;
      logger.warn("push failed", { batchId: pushBatchId(push), connectionId: connection.connectionId, error: describeError(error) });
    }
  });

  // Pushes in flight when the hold was lost may still arrive; the rest were withheld. The run fails,
  // its final states unrecorded, so its messages come back and the next holder pushes the batches'
  // state under later versions.
  if (held.aborted) {
    logger.warn("push order lost: the push locks' session ended; the rest of this run's pushes withheld", { batchIds, withheld });
    throw new PushHoldLost(held.reason);
  }

  // After the pushes, under the batches' push locks: a run that stops before this leaves the final
  // state to the batch's next run (or the reconciler's request for one).
  await deps.batches.recordFinalPushes(finalStates.map(({ snapshot }) => ({ batchId: snapshot.id, version: snapshot.version })));
}

/** The session holding a run's push locks ended before its pushes did (see `PushSequencer`). */
export class PushHoldLost extends Error {
  override readonly name = "PushHoldLost";
  constructor(cause: unknown) {
    super(`the push locks' session ended during the pushes: ${errorMessage(cause)}`, { cause });
  }
}

function pushBatchId(push: ServerMessage): string | undefined {
  return "batchId" in push ? push.batchId : undefined;
}

/** Progress for a batch that does not exist can never be applied; the rest was. */
export function finalizeVerdict(message: ProgressMessage, result: FinalizeProgressResult): Verdict {
  return result.unknownBatches.includes(message.batchId) ? { kind: "dead-letter", reason: `unknown batch ${message.batchId}` } : { kind: "done" };
}
