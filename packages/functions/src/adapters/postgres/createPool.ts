import { neonConfig, Pool } from "@neondatabase/serverless";
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

/** A Neon serverless pool: Postgres over WebSockets, the same driver in the cloud and locally. */
export function createPool({ connectionString, localWebSocketProxy, max = 10, onIdleClientError = () => {} }: PoolOptions): Pool {
  neonConfig.webSocketConstructor = ws;
  if (localWebSocketProxy) {
    neonConfig.wsProxy = (host, port) => `${localWebSocketProxy}/v2?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineConnect = false;
    neonConfig.coalesceWrites = false;
  }
  const pool = new Pool({ connectionString, max });
  // Without a listener the pool's 'error' event would end the process; the pool already dropped the client.
  pool.on("error", onIdleClientError);
  return pool;
}
