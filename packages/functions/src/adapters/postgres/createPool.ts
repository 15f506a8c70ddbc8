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
}

/** A Neon serverless pool: Postgres over WebSockets, the same driver in the cloud and locally. */
export function createPool({ connectionString, localWebSocketProxy, max = 10 }: PoolOptions): Pool {
  neonConfig.webSocketConstructor = ws;
  if (localWebSocketProxy) {
    neonConfig.wsProxy = (host, port) => `${localWebSocketProxy}/v2?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineConnect = false;
    neonConfig.coalesceWrites = false;
  }
  return new Pool({ connectionString, max });
}
