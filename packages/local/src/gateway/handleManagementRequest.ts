import type { IncomingMessage, ServerResponse } from "node:http";
import type { ConnectionRegistry } from "./ConnectionRegistry.js";

/** API Gateway's limit for a message posted to a connection. */
export const MAX_POST_BYTES = 128 * 1024;

const CONNECTION_PATH = /^(?:\/[^/]+)?\/@connections\/([^/?]+)$/;

/**
 * Serves API Gateway's WebSocket management API (`POST`, `GET`, `DELETE /@connections/{id}`), so
 * `@aws-sdk/client-apigatewaymanagementapi` works unchanged with an endpoint override. The caller
 * has read the body (at most MAX_POST_BYTES) and checked the signature. Returns false for requests
 * that are not management calls.
 */
export async function handleManagementRequest(registry: ConnectionRegistry, request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<boolean> {
  const path = new URL(request.url ?? "/", "http://gateway").pathname;
  const match = CONNECTION_PATH.exec(path);
  if (!match) return false;
  const connectionId = decodeURIComponent(match[1] ?? "");
  const reply = (status: number, answer?: unknown, errorType?: string) => {
    response.writeHead(status, {
      "content-type": "application/json",
      ...(errorType ? { "x-amzn-errortype": errorType } : {}),
    });
    response.end(answer === undefined ? undefined : JSON.stringify(answer));
  };
  const gone = () => reply(410, { message: `connection ${connectionId} is gone` }, "GoneException");

  if (request.method === "POST") {
    if (await registry.post(connectionId, body)) reply(200);
    else gone();
    return true;
  }
  if (request.method === "GET") {
    const info = registry.describe(connectionId);
    if (!info) gone();
    // The wire shape AWS answers (camelCase); the SDK presents it as ConnectedAt, LastActiveAt, Identity.
    else reply(200, { connectedAt: info.connectedAt.toISOString(), lastActiveAt: info.lastActiveAt.toISOString(), identity: { sourceIp: info.sourceIp } });
    return true;
  }
  if (request.method === "DELETE") {
    if (registry.disconnect(connectionId)) reply(204);
    else gone();
    return true;
  }
  reply(405, { message: `method ${request.method} not allowed` });
  return true;
}
