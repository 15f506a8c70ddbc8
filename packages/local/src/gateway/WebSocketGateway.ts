import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { WebSocketWiring } from "@pipeline/wiring";
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import type { ConnectionRegistry } from "./ConnectionRegistry.js";

export type WebSocketHandler = (event: APIGatewayProxyWebsocketEventV2) => Promise<APIGatewayProxyResultV2>;

interface LiveConnection {
  socket: WebSocket;
  connectedAt: Date;
  lastActiveAt: Date;
  sourceIp: string;
  idleTimer?: ReturnType<typeof setTimeout>;
  maxAgeTimer?: ReturnType<typeof setTimeout>;
}

export interface GatewayOptions {
  port?: number;
  limits: WebSocketWiring["limits"];
  stage?: string;
  onError?: (message: string, error: unknown) => void;
}

/**
 * API Gateway's WebSocket API on one machine: `$connect` (with its query string), `$disconnect`
 * and routes selected by `$request.body.action` (else `$default`) invoke the same handlers with
 * API-Gateway-shaped events; a `$connect` that answers non-2xx refuses the socket. It enforces the
 * limits clients meet on AWS: message size, idle timeout, connection lifetime. It is the registry
 * the management API (startManagementServer, on a port of its own) reads and writes.
 */
export class WebSocketGateway implements ConnectionRegistry {
  private readonly server: Server;
  private readonly sockets: WebSocketServer;
  private readonly connections = new Map<string, LiveConnection>();
  private routes: Record<string, WebSocketHandler> = {};
  private readonly stage: string;
  private port = 0;

  constructor(private readonly options: GatewayOptions) {
    this.stage = options.stage ?? "local";
    // ws refuses a message over API Gateway's limit as its frame header arrives (close 1009), instead
    // of buffering up to its own 100 MiB default first.
    this.sockets = new WebSocketServer({ noServer: true, maxPayload: options.limits.maxMessageBytes });
    this.server = createServer((_request, response) => {
      response.writeHead(426, { "content-type": "application/json", upgrade: "websocket" }).end(JSON.stringify({ message: "Upgrade Required" }));
    });
    this.server.on("upgrade", (request, socket, head) => void this.upgrade(request, socket, head));
  }

  /** Routes are set after listening: the handlers need the management endpoint, which serves this registry. */
  setRoutes(routes: Record<string, WebSocketHandler>): void {
    this.routes = routes;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.options.port ?? 0, "127.0.0.1", () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get openConnections(): number {
    return this.connections.size;
  }

  async close(): Promise<void> {
    for (const [connectionId, connection] of this.connections) {
      connection.socket.close(1001, "going away");
      await this.forget(connectionId);
    }
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  post(connectionId: string, data: Buffer): boolean {
    const connection = this.connections.get(connectionId);
    if (!connection || connection.socket.readyState !== WebSocket.OPEN) return false;
    connection.socket.send(data.toString("utf8"));
    this.touch(connection);
    return true;
  }

  describe(connectionId: string) {
    const connection = this.connections.get(connectionId);
    return connection ? { connectedAt: connection.connectedAt, lastActiveAt: connection.lastActiveAt, sourceIp: connection.sourceIp } : undefined;
  }

  disconnect(connectionId: string): boolean {
    const connection = this.connections.get(connectionId);
    if (!connection) return false;
    connection.socket.close(1000, "disconnected by the server");
    return true;
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const connectionId = randomBytes(9).toString("base64url") + "=";
    const url = new URL(request.url ?? "/", "ws://gateway");
    const event = this.event("$connect", "CONNECT", connectionId, request.socket.remoteAddress ?? "127.0.0.1");
    event.queryStringParameters = Object.fromEntries(url.searchParams);
    let status: number;
    try {
      status = statusOf(await this.route("$connect")(event));
    } catch (error) {
      this.options.onError?.("$connect handler failed", error);
      status = 500;
    }
    if (status < 200 || status >= 300) {
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? "Unauthorized" : status === 403 ? "Forbidden" : "Error"}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.sockets.handleUpgrade(request, socket, head, (ws) => this.register(connectionId, ws, request.socket.remoteAddress ?? "127.0.0.1"));
  }

  private register(connectionId: string, socket: WebSocket, sourceIp: string): void {
    const now = new Date();
    const connection: LiveConnection = { socket, connectedAt: now, lastActiveAt: now, sourceIp };
    this.connections.set(connectionId, connection);
    const { limits } = this.options;
    connection.maxAgeTimer = setTimeout(() => socket.close(1001, "connection lifetime exceeded"), limits.maxConnectionSeconds * 1000);
    this.touch(connection);
    socket.on("message", (data, isBinary) => void this.receive(connectionId, connection, data, isBinary));
    socket.on("close", () => void this.forget(connectionId));
    socket.on("error", () => socket.terminate());
  }

  private async receive(connectionId: string, connection: LiveConnection, data: RawData, isBinary: boolean): Promise<void> {
    this.touch(connection);
    const body = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    const text = body.toString(isBinary ? "base64" : "utf8");
    const routeKey = this.selectRoute(text);
    const event = this.event(routeKey, "MESSAGE", connectionId, connection.sourceIp);
    event.body = text;
    event.isBase64Encoded = isBinary;
    try {
      await this.route(routeKey)(event);
    } catch (error) {
      this.options.onError?.(`${routeKey} handler failed`, error);
      if (connection.socket.readyState === WebSocket.OPEN) {
        connection.socket.send(JSON.stringify({ message: "Internal server error", connectionId, requestId: event.requestContext.requestId }));
      }
    }
  }

  private selectRoute(body: string): string {
    try {
      const action = (JSON.parse(body) as { action?: unknown }).action;
      if (typeof action === "string" && !action.startsWith("$") && action in this.routes) return action;
    } catch {
      // Not JSON: API Gateway routes it to $default.
    }
    return "$default";
  }

  private async forget(connectionId: string): Promise<void> {
    const connection = this.connections.get(connectionId);
    if (!connection) return;
    this.connections.delete(connectionId);
    clearTimeout(connection.idleTimer);
    clearTimeout(connection.maxAgeTimer);
    try {
      await this.route("$disconnect")(this.event("$disconnect", "DISCONNECT", connectionId, connection.sourceIp));
    } catch (error) {
      this.options.onError?.("$disconnect handler failed", error);
    }
  }

  private touch(connection: LiveConnection): void {
    connection.lastActiveAt = new Date();
    clearTimeout(connection.idleTimer);
    connection.idleTimer = setTimeout(() => connection.socket.close(1001, "idle timeout"), this.options.limits.idleTimeoutSeconds * 1000);
  }

  private route(routeKey: string): WebSocketHandler {
    const handler = this.routes[routeKey] ?? this.routes.$default;
    if (!handler) throw new Error(`no handler for route ${routeKey}`);
    return handler;
  }

  private event(routeKey: string, eventType: "CONNECT" | "MESSAGE" | "DISCONNECT", connectionId: string, sourceIp: string): APIGatewayProxyWebsocketEventV2 {
    const now = Date.now();
    return {
      requestContext: {
        routeKey,
        eventType,
        messageId: randomUUID(),
        extendedRequestId: randomUUID(),
        requestTime: new Date(now).toISOString(),
        messageDirection: "IN",
        stage: this.stage,
        connectedAt: this.connections.get(connectionId)?.connectedAt.getTime() ?? now,
        requestTimeEpoch: now,
        requestId: randomUUID(),
        domainName: `127.0.0.1:${this.port}`,
        connectionId,
        apiId: "local",
        ...({ identity: { sourceIp } } as object),
      },
      isBase64Encoded: false,
    };
  }
}

function statusOf(result: APIGatewayProxyResultV2): number {
  if (typeof result === "object" && result !== null && "statusCode" in result) return result.statusCode ?? 200;
  return 200;
}
