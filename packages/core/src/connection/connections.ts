import type { ConnectionRepository } from "../ports/ConnectionRepository.js";
import type { Logger } from "../ports/Logger.js";
import type { TokenVerifier } from "../ports/TokenVerifier.js";

export interface ConnectionDeps {
  connections: ConnectionRepository;
  tokens: TokenVerifier;
  logger: Logger;
}

/**
 * Admits a WebSocket client whose token verifies and records its connection under the token's
 * user, with the token's expiry (the connection is served until then, not for its whole life). A
 * refused client leaves nothing behind. Throws `InvalidTokenError`.
 */
export async function openConnection(deps: ConnectionDeps, connectionId: string, token: string | undefined): Promise<{ userId: string }> {
  const { userId, expiresAt } = await deps.tokens.verify(token);
  await deps.connections.add({ connectionId, userId, tokenExpiresAt: expiresAt });
  deps.logger.info("client connected", { connectionId, userId });
  return { userId };
}

export async function closeConnection(deps: Pick<ConnectionDeps, "connections" | "logger">, connectionId: string): Promise<void> {
  await deps.connections.remove(connectionId);
  deps.logger.info("client disconnected", { connectionId });
}
