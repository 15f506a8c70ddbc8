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

/**
 * Removes connection records whose sockets are gone: those past API Gateway's lifetime, and those
 * the management API no longer knows (a `$disconnect` that never ran). Returns how many it removed.
 */
export async function sweepStaleConnections(deps: SweepDeps, options: SweepOptions): Promise<number> {
  const expiredBefore = new Date(options.now.getTime() - options.maxAgeSeconds * 1000);
  const probeBefore = new Date(options.now.getTime() - options.probeAfterSeconds * 1000);
  const expired = await deps.connections.removeConnectedBefore(expiredBefore);
  const candidates = await deps.connections.connectedBefore(probeBefore);
  const gone = (
    await mapWithConcurrency(candidates, 8, async (connection) => ((await deps.notifier.exists(connection.connectionId)) ? undefined : connection.connectionId))
  ).filter((id): id is string => id !== undefined);
  for (const connectionId of gone) await deps.connections.remove(connectionId);
  if (expired + gone.length > 0) deps.logger.info("stale connections swept", { expired, gone: gone.length });
  return expired + gone.length;
}
