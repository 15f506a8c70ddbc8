import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type RawData } from "ws";

export interface WebSocketProxy {
  /** `host:port`, the value for the Neon driver's `wsProxy` (PG_LOCAL_WS_PROXY). */
  address: string;
  close(): Promise<void>;
}

export interface WebSocketProxyOptions {
  port?: number;
  /** Postgres hosts the proxy may reach; it is never an open relay. */
  allowedHosts?: readonly string[];
}

/**
 * The piece Neon runs in front of its Postgres: Postgres' wire protocol carried over WebSocket
 * frames. `ws://host:port/v2?address=pghost:pgport` is piped to that TCP address.
 */
export async function startWebSocketProxy(options: WebSocketProxyOptions = {}): Promise<WebSocketProxy> {
  const allowed = new Set(options.allowedHosts ?? ["127.0.0.1", "localhost", "::1"]);
  const server = new WebSocketServer({ host: "127.0.0.1", port: options.port ?? 0 });
  server.on("connection", (socket, request) => {
    const target = new URL(request.url ?? "/", "ws://proxy").searchParams.get("address") ?? "";
    const separator = target.lastIndexOf(":");
    const host = target.slice(0, separator);
    const port = Number(target.slice(separator + 1));
    if (separator < 0 || !allowed.has(host) || !Number.isInteger(port)) {
      socket.close(1008, "address not allowed");
      return;
    }
    // Postgres' protocol is many small request/response messages: Nagle's delay would add ~40 ms to each.
    const tcp = connect({ host, port, noDelay: true });
    const queued: Buffer[] = [];
    let open = false;
    tcp.on("connect", () => {
      open = true;
      for (const chunk of queued.splice(0)) tcp.write(chunk);
    });
    socket.on("message", (data: RawData) => {
      const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (open) tcp.write(chunk);
      else queued.push(chunk);
    });
    tcp.on("data", (chunk) => socket.send(chunk));
    tcp.on("close", () => socket.close());
    tcp.on("error", () => socket.terminate());
    socket.on("close", () => tcp.destroy());
    socket.on("error", () => tcp.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}
