import { createServer, connect, type Server } from "node:net";
import { randomBytes } from "node:crypto";
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { createLocalCredentials, localSqsClient, PipelineClient, type LocalCredentials, type LocalStack } from "@pipeline/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startTestStack, type TestStack } from "../support/startTestStack.js";
import { waitFor } from "../support/waitFor.js";

/** What each engine of the stack answers a caller that is not the stack: a web page, another user of the machine. */
describe("the local stack's engines take only the stack's own callers", () => {
  let testStack: TestStack;
  let stack: LocalStack;
  const objectKey = "uploads/other-user/photo.jpg";

  beforeAll(async () => {
    testStack = await startTestStack({ runtime: "in-process" });
    stack = testStack.stack;
    const s3 = s3Client(stack.endpoints.credentials);
    await s3.send(new PutObjectCommand({ Bucket: stack.endpoints.bucket, Key: objectKey, Body: "another user's image" }));
    s3.destroy();
  });
  afterAll(() => testStack?.close());

  const s3Client = (credentials: LocalCredentials) => new S3Client({ region: stack.endpoints.region, endpoint: stack.endpoints.s3Endpoint, forcePathStyle: true, credentials, maxAttempts: 1 });
  const getObject = async (credentials: LocalCredentials) => {
    const s3 = s3Client(credentials);
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: stack.endpoints.bucket, Key: objectKey }));
      return await object.Body?.transformToString();
    } finally {
      s3.destroy();
    }
  };
  const queueAttributes = async (credentials: LocalCredentials) => {
    const sqs = localSqsClient(stack.endpoints.sqsEndpoint, credentials);
    try {
      return await sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.endpoints.queues.uploads.url, AttributeNames: ["All"] }));
    } finally {
      sqs.destroy();
    }
  };

  it("writes a key pair of its own in the stack file, not a fixed one", () => {
    // Assess
    expect(stack.endpoints.credentials.accessKeyId).toMatch(/^LKIA[0-9A-F]{16}$/);
    expect(stack.endpoints.credentials.secretAccessKey).toHaveLength(40);
    expect(stack.endpoints.credentials).not.toEqual({ accessKeyId: "local", secretAccessKey: "local" });
  });

  it("S3 refuses an unsigned GET, a foreign key and a wrong secret, and serves the stack's signature", async () => {
    // Act
    const unsigned = await fetch(`${stack.endpoints.s3Endpoint}/${stack.endpoints.bucket}/${objectKey}`);

    // Assess
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain("<Code>AccessDenied</Code>");
    await expect(getObject(createLocalCredentials())).rejects.toMatchObject({ name: "InvalidAccessKeyId", $metadata: { httpStatusCode: 403 } });
    await expect(getObject({ ...stack.endpoints.credentials, secretAccessKey: "not-the-secret" })).rejects.toMatchObject({ name: "SignatureDoesNotMatch" });
    expect(await getObject(stack.endpoints.credentials)).toBe("another user's image");
  });

  it("SQS refuses an unsigned call, a foreign key and a wrong secret, and serves the stack's signature", async () => {
    // Act
    const unsigned = await fetch(stack.endpoints.sqsEndpoint, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "AmazonSQS.GetQueueAttributes" },
      body: JSON.stringify({ QueueUrl: stack.endpoints.queues.uploads.url, AttributeNames: ["All"] }),
    });

    // Assess
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toMatchObject({ __type: "com.amazonaws.sqs#MissingAuthenticationToken" });
    await expect(queueAttributes(createLocalCredentials())).rejects.toMatchObject({ name: "InvalidClientTokenId", $metadata: { httpStatusCode: 403 } });
    await expect(queueAttributes({ ...stack.endpoints.credentials, secretAccessKey: "not-the-secret" })).rejects.toMatchObject({ name: "SignatureDoesNotMatch" });
    expect((await queueAttributes(stack.endpoints.credentials)).Attributes?.QueueArn).toContain("uploads");
  });

  it("keeps fauxqs's inspection endpoint behind the same signature", async () => {
    // Act
    const inspected = await fetch(`${stack.endpoints.sqsEndpoint}/_fauxqs/queues/uploads`);
    const listed = await fetch(`${stack.endpoints.sqsEndpoint}/_fauxqs/queues`);

    // Assess
    expect(inspected.status).toBe(403);
    expect(listed.status).toBe(403);
  });

  describe("the management API", () => {
    let client: PipelineClient;
    let connectionId: string;
    let received: unknown[];

    beforeAll(async () => {
      client = await PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, "managed-user");
      received = [];
      await client.connect((message) => received.push(message));
      const rows = await waitFor(async () => {
        const { rows } = await stack.pipeline.sql.query<{ connection_id: string }>("SELECT connection_id FROM connections WHERE user_id = 'managed-user'");
        return rows.length === 1 ? rows : undefined;
      }, 5000, "the connection row");
      connectionId = rows[0]?.connection_id ?? "";
    });

    const post = (credentials: LocalCredentials, data: string) => {
      const management = new ApiGatewayManagementApiClient({ endpoint: stack.endpoints.managementEndpoint, region: stack.endpoints.region, credentials, maxAttempts: 1 });
      return management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data })).finally(() => management.destroy());
    };

    it("is on a port of its own, not the clients' WebSocket port", async () => {
      // Prepare
      const path = `/@connections/${encodeURIComponent(connectionId)}`;

      // Act
      const onClientPort = await fetch(`${stack.endpoints.wsUrl.replace("ws://", "http://")}${path}`, { method: "DELETE" });

      // Assess
      expect(new URL(stack.endpoints.managementEndpoint).port).not.toBe(new URL(stack.endpoints.wsUrl).port);
      expect(onClientPort.status).toBe(426);
    });

    it("refuses an unsigned call with API Gateway's 403, and a forged frame never reaches the socket", async () => {
      // Act
      const unsigned = await fetch(`${stack.endpoints.managementEndpoint}/@connections/${encodeURIComponent(connectionId)}`, { method: "POST", body: JSON.stringify({ type: "forged" }) });
      const disconnect = await fetch(`${stack.endpoints.managementEndpoint}/@connections/${encodeURIComponent(connectionId)}`, { method: "DELETE" });

      // Assess
      expect(unsigned.status).toBe(403);
      expect(unsigned.headers.get("x-amzn-errortype")).toBe("MissingAuthenticationTokenException");
      expect(disconnect.status).toBe(403);
      await expect(post(createLocalCredentials(), JSON.stringify({ type: "forged" }))).rejects.toMatchObject({ name: "UnrecognizedClientException", $metadata: { httpStatusCode: 403 } });
      await expect(post({ ...stack.endpoints.credentials, secretAccessKey: "not-the-secret" }, JSON.stringify({ type: "forged" }))).rejects.toMatchObject({ name: "InvalidSignatureException" });
      await post(stack.endpoints.credentials, JSON.stringify({ type: "signed" }));
      await waitFor(() => received.some((message) => (message as { type?: string }).type === "signed"), 20_000, "the signed frame");
      expect(received).not.toContainEqual({ type: "forged" });
    });
  });

  describe("the Postgres WebSocket proxy", () => {
    let other: Server;
    let otherConnections: number;

    beforeAll(async () => {
      otherConnections = 0;
      other = createServer((socket) => {
        otherConnections += 1;
        socket.destroy();
      });
      await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    });
    afterAll(() => new Promise<void>((resolve) => other.close(() => resolve())));

    const proxyUrl = (address: string) => `ws://${stack.endpoints.pgProxy}/v2?address=${address}`;

    it("relays to no address but the stack's own Postgres", async () => {
      // Prepare
      const otherAddress = `127.0.0.1:${(other.address() as { port: number }).port}`;

      // Act
      const socket = new WebSocket(proxyUrl(otherAddress));
      const code = await new Promise<number>((resolve) => socket.once("close", (closeCode) => resolve(closeCode)));

      // Assess
      expect(code).toBe(1008);
      expect(otherConnections).toBe(0);
    });

    it("refuses a handshake from a web page (an Origin header) with 403", async () => {
      // Prepare
      const pooled = new URL(stack.endpoints.pooledDatabaseUrl);

      // Act
      const socket = new WebSocket(proxyUrl(`${pooled.hostname}:${pooled.port}`), { origin: "https://page.example" });
      const status = await new Promise<number>((resolve, reject) => {
        socket.once("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
        socket.once("open", () => reject(new Error("the proxy accepted a browser's handshake")));
      });

      // Assess
      expect(status).toBe(403);
    });
  });

  it("closes with 1009 a frame whose header announces more than API Gateway's 128 KB, before its payload arrives", async () => {
    // Prepare
    const client = await PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, "big-frame");
    const gateway = new URL(stack.endpoints.wsUrl);
    const socket = connect({ host: gateway.hostname, port: Number(gateway.port) });
    const received: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    await new Promise<void>((resolve) => socket.once("connect", resolve));
    socket.write(
      [`GET /?token=${encodeURIComponent(client.token)} HTTP/1.1`, `Host: ${gateway.host}`, "Upgrade: websocket", "Connection: Upgrade", `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`, "Sec-WebSocket-Version: 13", "", ""].join("\r\n"),
    );
    await waitFor(() => Buffer.concat(received).includes("\r\n\r\n"), 5000, "the handshake's answer");
    expect(Buffer.concat(received).toString("latin1")).toMatch(/^HTTP\/1\.1 101/);
    received.length = 0;

    // Act: a masked text frame announcing 200 KiB, of which only 16 bytes are sent.
    const header = Buffer.alloc(14);
    header[0] = 0x81;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(200 * 1024), 2);
    randomBytes(4).copy(header, 10);
    socket.write(Buffer.concat([header, randomBytes(16)]));

    // Assess: the server's close frame (opcode 8) with 1009 arrives without the rest of the payload.
    await waitFor(() => Buffer.concat(received).length >= 4, 3000, "the gateway's close frame");
    const frame = Buffer.concat(received);
    expect(frame[0]).toBe(0x88);
    expect(frame.readUInt16BE(2)).toBe(1009);
    socket.destroy();
  });
});
