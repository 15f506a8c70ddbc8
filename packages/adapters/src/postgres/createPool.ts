import { Client, Pool } from "@neondatabase/serverless";
import ws from "ws";

export interface PoolOptions {
  connectionString: string;
  /**
   * `host:port` of a WebSocket-to-TCP proxy (the local stack's). Unset in production, where
   * Neon's own proxy is reached over TLS.
   */
  localWebSocketProxy?: string | undefined;
  max?: number;
  /** An idle connection that the server closed (restart, failover, idle timeout) reports here. */
  onIdleClientError?: (error: Error) => void;
}

/**
 * A Neon serverless pool: Postgres over WebSockets, the same driver in the cloud and locally.
 * The driver's settings are made per client, never on the global `neonConfig`: a process that
 * holds two pools (the local stack and a test, say) keeps each one's own proxy.
 */
export function createPool({ connectionString, localWebSocketProxy, max = 10, onIdleClientError = () => {} }: PoolOptions): Pool {
  class ConfiguredClient extends Client {
    constructor(config?: ConstructorParameters<typeof Client>[0]) {
      super(config);
      const settings = this.neonConfig;
      settings.webSocketConstructor = ws;
      if (localWebSocketProxy) {
        settings.wsProxy = (host, port) => `${localWebSocketProxy}/v2?address=${host}:${port}`;
        settings.useSecureWebSocket = false;
        settings.pipelineConnect = false;
        settings.coalesceWrites = false;
      }
    }
  }
  class ConfiguredPool extends Pool {
    constructor(config: ConstructorParameters<typeof Pool>[0]) {
      super(config);
      // Neon's Pool sets its own Client class after construction, over the `Client` option.
      this.Client = ConfiguredClient;
    }
  }
  const pool = new ConfiguredPool({ connectionString, max });
  // Without a listener the pool's 'error' event would end the process; the pool already dropped the client.
  pool.on("error", onIdleClientError);
  return pool;
}
