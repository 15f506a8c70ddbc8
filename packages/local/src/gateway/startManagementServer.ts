import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readWithinBytes } from "@pipeline/core";
import type { LocalCredentials } from "../auth/LocalCredentials.js";
import { signatureErrorResponse } from "../auth/signatureErrors.js";
import { SignatureVerifier } from "../auth/verifySignature.js";
import type { ConnectionRegistry } from "./ConnectionRegistry.js";
import { handleManagementRequest, MAX_POST_BYTES } from "./handleManagementRequest.js";

export interface ManagementServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Every call must be signed (SigV4, service `execute-api`) with this key pair, as IAM requires on AWS. */
  credentials: LocalCredentials;
  onError?: (message: string, error: unknown) => void;
}

export interface ManagementServer {
  endpoint: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/**
 * API Gateway's management API (`/@connections/{id}`) on a loopback port of its own, apart from
 * the clients' WebSocket port: what a browser reaches never posts to or disconnects a connection.
 * As on AWS, a call must carry a valid SigV4 signature; anything else gets a 403 the SDK reads as
 * `MissingAuthenticationTokenException`, `UnrecognizedClientException` or `InvalidSignatureException`.
 */
export async function startManagementServer(registry: ConnectionRegistry, options: ManagementServerOptions): Promise<ManagementServer> {
  const verifier = new SignatureVerifier({ credentials: options.credentials, services: ["execute-api"] });
  const server = createServer((request, response) => {
    const serve = async () => {
      const body = await readBody(request);
      if (body === undefined) {
        response.writeHead(413, { "content-type": "application/json", "x-amzn-errortype": "PayloadTooLargeException" }).end(JSON.stringify({ message: `payload exceeds ${MAX_POST_BYTES} bytes` }));
        return;
      }
      const rejection = await verifier.verify({ method: request.method ?? "GET", url: request.url ?? "/", headers: request.headers }, async () => body);
      if (rejection) {
        const refusal = signatureErrorResponse("execute-api", rejection);
        response.writeHead(refusal.status, refusal.headers).end(refusal.body);
        return;
      }
      if (!(await handleManagementRequest(registry, request, response, body))) response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ message: "Not Found" }));
    };
    serve().catch((error: unknown) => {
      options.onError?.("management request failed", error);
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The whole body, or undefined past API Gateway's limit for a posted message. */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const bytes = await readWithinBytes(request, MAX_POST_BYTES);
  return bytes && Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
