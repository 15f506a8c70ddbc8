import { errorMessage } from "../errors.js";
import type { ProgressMessage } from "../messages/schemas.js";
import type { BatchRepository } from "../ports/BatchRepository.js";
import type { ConnectionNotifier } from "../ports/ConnectionNotifier.js";
import type { Connection, ConnectionRepository } from "../ports/ConnectionRepository.js";
import type { Logger } from "../ports/Logger.js";
import { mapWithConcurrency } from "../support/mapWithConcurrency.js";
import { coalesceChanges } from "./coalesceChanges.js";
import { progressPush } from "./serverMessages.js";

export interface FinalizeProgressDeps {
  batches: BatchRepository;
  connections: ConnectionRepository;
  notifier: ConnectionNotifier;
  logger: Logger;
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
 * Coalesces an invocation's progress messages per batch, advances each batch's version once
 * (finalizing the batches whose uploads are all terminal), and pushes one message per batch to
 * each of its owner's connections.
 */
export async function finalizeProgress(
  deps: FinalizeProgressDeps,
  messages: readonly ProgressMessage[],
  options: FinalizeProgressOptions,
): Promise<FinalizeProgressResult> {
  const { logger } = deps;
  const changesByBatch = coalesceChanges(messages);
  const batchIds = [...changesByBatch.keys()];
  const result: FinalizeProgressResult = { finalized: [], unknownBatches: [], pushesSent: 0, connectionsGone: 0, pushesFailed: 0 };
  if (batchIds.length === 0) return result;

  const advances = await deps.batches.advanceProgress(batchIds);
  const known = new Set(advances.map((advance) => advance.snapshot.id));
  result.unknownBatches = batchIds.filter((id) => !known.has(id));
  for (const batchId of result.unknownBatches) logger.warn("progress for an unknown batch dropped", { batchId });

  for (const { snapshot, finalizedNow } of advances) {
    if (!finalizedNow) continue;
    result.finalized.push(snapshot.id);
    logger.info("batch finalized", {
      batchId: snapshot.id,
      status: snapshot.status,
      total: snapshot.totalUploads,
      successful: snapshot.successfulUploads,
      failed: snapshot.failedUploads,
    });
  }

  const owners = [...new Set(advances.map((advance) => advance.snapshot.userId))];
  const connections = await deps.connections.forUsers(owners);
  const connectionsByUser = new Map<string, Connection[]>();
  for (const connection of connections) {
    const list = connectionsByUser.get(connection.userId) ?? [];
    list.push(connection);
    connectionsByUser.set(connection.userId, list);
  }

  const deliveries = advances.flatMap(({ snapshot }) => {
    const final = snapshot.status !== "processing" && snapshot.status !== "pending";
    const push = progressPush(snapshot, changesByBatch.get(snapshot.id) ?? [], final);
    return (connectionsByUser.get(snapshot.userId) ?? []).map((connection) => ({ connection, push }));
  });

  await mapWithConcurrency(deliveries, options.pushConcurrency, async ({ connection, push }) => {
    try {
      const outcome = await deps.notifier.push(connection.connectionId, push);
      if (outcome === "sent") {
        result.pushesSent++;
        return;
      }
      result.connectionsGone++;
      await deps.connections.remove(connection.connectionId);
      logger.info("connection gone; removed", { batchId: push.batchId, connectionId: connection.connectionId });
    } catch (error) {
      // A client that misses a push catches up from a snapshot; one bad connection must not hold up the rest.
      result.pushesFailed++;
      logger.warn("push failed", { batchId: push.batchId, connectionId: connection.connectionId, reason: errorMessage(error) });
    }
  });
  return result;
}
