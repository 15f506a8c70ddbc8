import { createServer, type IncomingMessage } from "node:http";
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type RawData, type WebSocket } from "ws";

export interface WebSocketProxy {
  /** `host:port`, the value for the Neon driver's `wsProxy` (PG_LOCAL_WS_PROXY). */
  address: string;
  close(): Promise<void>;
}

export interface WebSocketProxyOptions {
  port?: number;
  /**
   * The connection strings of the databases it serves (the direct one, the pooled one): it relays
   * only to their servers' `host:port`, never to another address a client names.
   */
  databases: readonly string[];
}

/**
 * The piece Neon runs in front of its Postgres: Postgres' wire protocol carried over WebSocket
 * frames. `ws://host:port/v2?address=pghost:pgport` is piped to that TCP address when it is one of
 * the stack's own servers. A handshake that carries an `Origin` header comes from a web page (the
 * Neon driver in Node sends none) and is refused with 403, so a page the developer opens cannot
 * reach the database through it.
 */
export async function startWebSocketProxy(options: WebSocketProxyOptions): Promise<WebSocketProxy> {
  const allowed = new Set(options.databases.map(serverAddress));
  const http = createServer((_request, response) => response.writeHead(426, { upgrade: "websocket" }).end());
  const server = new WebSocketServer({ noServer: true });
  http.on("upgrade", (request: IncomingMessage, socket, head) => {
    if (request.headers.origin !== undefined) {
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    server.handleUpgrade(request, socket, head, (client) => relay(client, request, allowed));
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  const { port } = http.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

function relay(socket: WebSocket, request: IncomingMessage, allowed: ReadonlySet<string>): void {
  const target = new URL(request.url ?? "/", "ws://proxy").searchParams.get("address") ?? "";
  const separator = target.lastIndexOf(":");
  const host = target.slice(0, separator);
  const port = Number(target.slice(separator + 1));
  if (separator < 0 || !allowed.has(target) || !Number.isInteger(port)) {
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
}

/** `host:port` of a connection string's server, as the Neon driver names it in `address=`. */
function serverAddress(connectionString: string): string {
  const url = new URL(connectionString);
  return `${url.hostname}:${url.port || "5432"}`;
}
