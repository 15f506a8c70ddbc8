import { createServer } from "node:net";
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, GetConnectionCommand, GoneException } from "@aws-sdk/client-apigatewaymanagementapi";
import { PipelineClient, PortInUseError, startLocalStack, type LocalStack } from "@pipeline/local";
import { wiring } from "@pipeline/wiring";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ANY_PORTS, startTestStack, type TestStack } from "../support/startTestStack.js";
import { waitFor } from "../support/waitFor.js";

describe("the local WebSocket gateway", () => {
  let testStack: TestStack;
  let stack: LocalStack;
  let client: PipelineClient;

  beforeAll(async () => {
    testStack = await startTestStack({  });
    stack = testStack.stack;
    client = await PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, "socket-user");
  });
  afterAll(() => testStack?.close());

  const connections = async () =>
    (await stack.pipeline.sql.query<{ connection_id: string; user_id: string }>("SELECT connection_id, user_id FROM connections")).rows;

  it("refuses a socket whose $connect handler refuses, and records nothing", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(`${stack.endpoints.wsUrl}?token=not-a-jwt`);
      socket.once("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
      socket.once("open", () => reject(new Error("socket was accepted")));
    });
    expect(status).toBe(401);
    expect(await connections()).toEqual([]);
  });

  it("records an accepted connection under the token's user, serves the management API, and forgets it on close", async () => {
    const socket = await client.connect(() => {});
    const [row] = await waitFor(async () => ((await connections()).length === 1 ? connections() : undefined), 20_000, "the connection row");
    expect(row?.user_id).toBe("socket-user");
    const id = row?.connection_id ?? "";
    const management = new ApiGatewayManagementApiClient({ endpoint: stack.endpoints.managementEndpoint, region: stack.endpoints.region, credentials: stack.endpoints.credentials });

    const described = await management.send(new GetConnectionCommand({ ConnectionId: id }));
    expect(described).toMatchObject({ ConnectedAt: expect.any(Date), Identity: { SourceIp: "127.0.0.1" } });
    await expect(management.send(new GetConnectionCommand({ ConnectionId: "unknown-id" }))).rejects.toBeInstanceOf(GoneException);

    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    await management.send(new DeleteConnectionCommand({ ConnectionId: id }));
    expect(await closed).toBe(1000);
    management.destroy();
    await waitFor(async () => (await connections()).length === 0, 20_000, "the row to be deleted by $disconnect");
  });

  it("answers a frame that is not JSON with an error frame and keeps the socket open", async () => {
    const frames: unknown[] = [];
    const socket = await client.connect((message) => frames.push(message));
    socket.send("hello?");
    await waitFor(() => frames.length > 0, 20_000, "an error frame");
    expect(frames[0]).toMatchObject({ type: "error", code: "bad_request" });
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.close();
  });

  it("closes a connection that sends a message over API Gateway's 128 KB limit with 1009", async () => {
    const socket = await client.connect(() => {});
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    socket.send("x".repeat(129 * 1024));
    expect(await closed).toBe(1009);
  });

  it("names the part and the setting when a port is taken", async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      // Ports are checked before anything starts: the database is never reached.
      const starting = startLocalStack({ dir: testStack.dir, ports: { ...ANY_PORTS, gateway: port }, databaseUrl: "postgres://unused@127.0.0.1:1/none" });
      await expect(starting).rejects.toBeInstanceOf(PortInUseError);
      await expect(starting).rejects.toThrow(`port ${port} (WebSocket gateway) is already in use: stop what holds it, or set WS_PORT to another port`);
    } finally {
      holder.close();
    }
  });
});

describe("the local gateway's connection limits", () => {
  let testStack: TestStack;

  beforeAll(async () => {
    // API Gateway's 10-minute idle timeout and 2-hour lifetime, shortened to seconds.
    const short = structuredClone(wiring);
    short.webSocket.limits = { ...short.webSocket.limits, idleTimeoutSeconds: 1, maxConnectionSeconds: 3 };
    testStack = await startTestStack({ wiring: short });
  });
  afterAll(() => testStack?.close());

  const closeCode = (socket: WebSocket) => new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));

  it("closes an idle connection with 1001, and $disconnect forgets it", async () => {
    const { stack } = testStack;
    const client = await PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, "idle");
    const socket = await client.connect(() => {});

    expect(await closeCode(socket)).toBe(1001);
    await waitFor(async () => (await stack.pipeline.sql.query("SELECT 1 FROM connections")).rows.length === 0, 20_000, "the record to go");
  });

  it("closes a busy connection at the end of its lifetime", async () => {
    const { stack } = testStack;
    const client = await PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, "busy");
    const socket = await client.connect(() => {});
    const keepAlive = setInterval(() => socket.send("{}"), 300);
    try {
      expect(await closeCode(socket)).toBe(1001);
    } finally {
      clearInterval(keepAlive);
    }
  });
});
