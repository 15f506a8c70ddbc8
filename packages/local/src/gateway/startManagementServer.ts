import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ConnectionRegistry } from "./ConnectionRegistry.js";
import { handleManagementRequest } from "./handleManagementRequest.js";

export interface ManagementServer {
  endpoint: string;
  server: Server;
  close(): Promise<void>;
}

/** An HTTP server that only serves the management API (`/@connections/{id}`). */
export async function startManagementServer(registry: ConnectionRegistry, port = 0): Promise<ManagementServer> {
  const server = createServer((request, response) => {
    handleManagementRequest(registry, request, response)
      .then((handled) => {
        if (!handled) response.writeHead(404).end();
      })
      .catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
