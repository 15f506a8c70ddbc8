import { describeError } from "../describeError.js";
import type { ConnectionNotifier } from "../ports/ConnectionNotifier.js";
import type { ConnectionRepository } from "../ports/ConnectionRepository.js";
import type { Logger } from "../ports/Logger.js";
import { mapWithConcurrency } from "../support/mapWithConcurrency.js";

export interface SweepDeps {
  connections: ConnectionRepository;
  notifier: ConnectionNotifier;
  logger: Logger;
}

export interface SweepOptions {
  now: Date;
  /** API Gateway closes every connection after 2 hours: older records are stale for certain. */
  maxAgeSeconds: number;
  /** Connections older than this are asked about (GET @connections); younger ones are left alone. */
  probeAfterSeconds: number;
}

/** Connections whose tokens expired, closed per run; the next run takes the rest. */
const EXPIRED_PER_RUN = 1000;

/**
 * Removes connection records whose sockets are gone: those past API Gateway's lifetime, and those
 * the management API no longer knows (a `$disconnect` that never ran); and closes the sockets whose
 * tokens expired (DELETE @connections) and removes their records. Returns how many it removed.
 */
export async function sweepStaleConnections(deps: SweepDeps, options: SweepOptions): Promise<number> {
  const expiredBefore = new Date(options.now.getTime() - options.maxAgeSeconds * 1000);
  const probeBefore = new Date(options.now.getTime() - options.probeAfterSeconds * 1000);
  const pastLifetime = await deps.connections.removeConnectedBefore(expiredBefore);
  const tokensExpired = await closeExpired(deps, options.now);
  const candidates = await deps.connections.connectedBefore(probeBefore);
  const gone = (
    await mapWithConcurrency(candidates, 8, async (connection) => ((await deps.notifier.exists(connection.connectionId)) ? undefined : connection.connectionId))
  ).filter((id): id is string => id !== undefined);
  for (const connectionId of gone) await deps.connections.remove(connectionId);
  const removed = pastLifetime + tokensExpired + gone.length;
  if (removed > 0) deps.logger.info("stale connections swept", { expired: pastLifetime, tokensExpired, gone: gone.length });
  return removed;
}

/**
 * The record goes first: from then on nothing is pushed to the socket and its frames are refused
 * as unknown, so a close that fails leaves a socket that can do nothing until API Gateway ends it.
 */
async function closeExpired(deps: SweepDeps, now: Date): Promise<number> {
  const expired = await deps.connections.removeExpired(now, EXPIRED_PER_RUN);
  await mapWithConcurrency(expired, 8, async ({ connectionId }) => {
    try {
      await deps.notifier.close(connectionId);
    } catch (error) {
      deps.logger.warn("closing a connection whose token expired failed", { connectionId, error: describeError(error) });
    }
  });
  return expired.length;
}
