import { request as httpRequest } from "node:http";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { issueToken } from "@pipeline/adapters/auth";
import { ownerKeySegment } from "@pipeline/core";
import { PipelineClient, type LocalStack } from "@pipeline/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOUNDARY, multipartStream, postStream } from "../support/multipartStream.js";
import { startTestStack, type TestStack } from "../support/startTestStack.js";

const LIMITS = { maxFiles: 3, maxFileBytes: 1024, maxRequestBytes: 2560, maxFields: 2, maxParts: 4 };

describe("the upload service refuses bad requests with a clear 4xx", () => {
  let testStack: TestStack;
  let stack: LocalStack;
  let client: PipelineClient;

  beforeAll(async () => {
    testStack = await startTestStack({ uploadLimits: LIMITS });
    stack = testStack.stack;
    client = await PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, "uploader");
  });
  afterAll(() => testStack?.close());

  const post = (body: RequestInit["body"], headers: Record<string, string> = { authorization: `Bearer ${client.token}` }) =>
    fetch(`${stack.endpoints.httpUrl}/api/batches`, { method: "POST", body, headers });
  const form = (files: Array<[string, number]>, fields: Record<string, string> = {}) => {
    const data = new FormData();
    for (const [name, value] of Object.entries(fields)) data.append(name, value);
    for (const [name, size] of files) data.append("files", new Blob([Buffer.alloc(size, 1)], { type: "image/jpeg" }), name);
    return data;
  };
  const objectsOf = async (userId: string) => {
    const s3 = new S3Client({ region: stack.endpoints.region, endpoint: stack.endpoints.s3Endpoint, forcePathStyle: true, credentials: stack.endpoints.credentials });
    try {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: stack.endpoints.bucket, Prefix: `uploads/${await ownerKeySegment(userId)}/` }));
      return (listed.Contents ?? []).map((object) => object.Key);
    } finally {
      s3.destroy();
    }
  };
  const expectError = async (response: Response, status: number, code: string) => {
    const body: unknown = await response.json();
    expect({ status: response.status, body }).toMatchObject({ status, body: { error: code } });
    expect(body).toMatchObject({ error: code, message: expect.any(String) });
  };

  it("accepts a good batch and stores its rows", async () => {
    const response = await post(form([["a.jpg", 10], ["b.jpg", 20]]));
    expect(response.status).toBe(201);
    const body = (await response.json()) as { batchId: string; total: number };
    expect(body.total).toBe(2);
    const { rows } = await stack.pipeline.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM uploads WHERE batch_id = $1", [body.batchId]);
    expect(rows[0]?.n).toBe(2);
  });

  it("accepts a file of exactly the size limit", async () => {
    const response = await post(form([["exact.jpg", LIMITS.maxFileBytes]]));
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ uploads: [{ size: LIMITS.maxFileBytes }] });
  });

  it("no files", async () => expectError(await post(new FormData()), 400, "no_files"));
  it("a body that is not multipart", async () => expectError(await post(JSON.stringify({ files: [] }), { authorization: `Bearer ${client.token}`, "content-type": "application/json" }), 415, "unsupported_media_type"));
  it("a multipart body without a boundary", async () => expectError(await post("--x\r\n", { authorization: `Bearer ${client.token}`, "content-type": "multipart/form-data" }), 400, "bad_multipart"));
  it("a multipart body that is not multipart inside", async () => expectError(await post("just some text", { authorization: `Bearer ${client.token}`, "content-type": `multipart/form-data; boundary=${BOUNDARY}` }), 400, "bad_multipart"));
  it("too many files", async () => expectError(await post(form([["1", 1], ["2", 1], ["3", 1], ["4", 1]])), 413, "too_many_files"));
  it("a file that is too large", async () => expectError(await post(form([["big.jpg", LIMITS.maxFileBytes + 1]])), 413, "file_too_large"));
  it("too many form fields", async () => expectError(await post(form([["a.jpg", 1]], { a: "1", b: "2", c: "3" })), 413, "too_many_fields"));
  it("too many parts", async () => expectError(await post(form([["1", 1], ["2", 1], ["3", 1]], { a: "1", b: "2" })), 413, "too_many_parts"));
  it("a body declared larger than the request limit", async () => expectError(await post(form([["1", 1000], ["2", 1000], ["3", 1000]])), 413, "request_too_large"));
  it("a body declared larger than the request limit is refused before it is read", async () => {
    // Act: the headers promise more than the limit and no byte of the body follows.
    const response = await new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const headers = { authorization: `Bearer ${client.token}`, "content-type": `multipart/form-data; boundary=${BOUNDARY}`, "content-length": String(LIMITS.maxRequestBytes + 1) };
      const request = httpRequest(`${stack.endpoints.httpUrl}/api/batches`, { method: "POST", headers }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () => resolve({ status: answer.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }));
      });
      request.on("error", reject).flushHeaders();
      setTimeout(() => {
        request.destroy();
        reject(new Error("no answer within 5 s: the service waited for the body"));
      }, 5000);
    });

    // Assess
    expect(response).toMatchObject({ status: 413, body: { error: "request_too_large" } });
  });
  it("a streamed body that grows past the request limit", async () => {
    const response = await postStream(`${stack.endpoints.httpUrl}/api/batches`, { authorization: `Bearer ${client.token}` }, multipartStream([{ filename: "1", size: 1000 }, { filename: "2", size: 1000 }, { filename: "3", size: 1000 }]));
    expect(response).toMatchObject({ status: 413, body: { error: "request_too_large", message: expect.any(String) } });
  });

  it("a refused request keeps none of the files it carried before the refusal", async () => {
    // Prepare
    const token = await issueToken(stack.endpoints.authSecret, "refused-uploader");

    // Act: two files within the limits are stored before the third is found too large.
    const response = await post(form([["a.jpg", 10], ["b.jpg", 10], ["big.jpg", LIMITS.maxFileBytes + 1]]), { authorization: `Bearer ${token}` });

    // Assess
    await expectError(response, 413, "file_too_large");
    expect(await objectsOf("refused-uploader")).toEqual([]);
  });
  it("no token", async () => expectError(await post(form([["a.jpg", 1]]), {}), 401, "unauthorized"));
  it("a forged token", async () => {
    const forged = await issueToken("another-secret-that-is-long-enough-to-sign", "uploader");
    await expectError(await post(form([["a.jpg", 1]]), { authorization: `Bearer ${forged}` }), 401, "unauthorized");
  });
  it("an expired token", async () => {
    const expired = await issueToken(stack.endpoints.authSecret, "uploader", -60);
    await expectError(await post(form([["a.jpg", 1]]), { authorization: `Bearer ${expired}` }), 401, "unauthorized");
  });

  it("another user's batch answers as an unknown one", async () => {
    const mine = await client.submit([{ filename: "x.jpg", type: "image/jpeg", data: Buffer.alloc(5) }]);
    const stranger = await PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, "stranger");
    const response = await fetch(`${stack.endpoints.httpUrl}/api/batches/${mine.batchId}`, { headers: { authorization: `Bearer ${stranger.token}` } });
    await expectError(response, 404, "not_found");
    const list = (await (await fetch(`${stack.endpoints.httpUrl}/api/batches`, { headers: { authorization: `Bearer ${stranger.token}` } })).json()) as { batches: unknown[] };
    expect(list.batches).toEqual([]);
  });

  it("a malformed batch id", async () => {
    await expectError(await fetch(`${stack.endpoints.httpUrl}/api/batches/1%20OR%201=1`, { headers: { authorization: `Bearer ${client.token}` } }), 400, "bad_id");
  });
});

describe("POST /api/dev/token answers only this machine's own callers", () => {
  let testStack: TestStack;
  let port: number;

  beforeAll(async () => {
    testStack = await startTestStack({ runtime: "in-process" });
    port = Number(new URL(testStack.stack.endpoints.httpUrl).port);
  });
  afterAll(() => testStack?.close());

  /** Node's http client: fetch cannot set Host. */
  const devToken = (headers: Record<string, string>) =>
    new Promise<{ status: number; body: { error?: string; token?: string } }>((resolve, reject) => {
      const request = httpRequest({ host: "127.0.0.1", port, path: "/api/dev/token?userId=someone", method: "POST", headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) as { error?: string; token?: string } }));
      });
      request.on("error", reject).end();
    });

  it.each(["127.0.0.1", "localhost", "[::1]"])("mints a token for Host %s:<port>", async (name) => {
    const response = await devToken({ host: `${name}:${port}` });
    expect(response.status).toBe(200);
    expect(response.body.token).toEqual(expect.any(String));
  });

  it("mints a token for the stack's own page (Origin and Sec-Fetch-Site of a same-origin fetch)", async () => {
    const response = await devToken({ host: `localhost:${port}`, origin: `http://localhost:${port}`, "sec-fetch-site": "same-origin" });
    expect(response.status).toBe(200);
  });

  it("mints a token for PipelineClient", async () => {
    const client = await PipelineClient.forDemoUser(testStack.stack.endpoints.httpUrl, testStack.stack.endpoints.wsUrl, "script");
    expect(client.token).toEqual(expect.any(String));
  });

  it.each([
    ["a DNS-rebinding page's host name", "rebind.attacker.example"],
    ["another port of this machine", "127.0.0.1:1"],
    ["a loopback name without the port", "localhost"],
  ])("refuses %s as Host", async (_what, host) => {
    const response = await devToken({ host: host.includes(":") || host === "localhost" ? host : `${host}:${port}` });
    expect(response).toMatchObject({ status: 403, body: { error: "forbidden_host" } });
  });

  it("refuses a page of another origin (Origin header)", async () => {
    const response = await devToken({ host: `127.0.0.1:${port}`, origin: "http://attacker.example" });
    expect(response).toMatchObject({ status: 403, body: { error: "cross_origin" } });
  });

  it("refuses a page on another port of this machine (Origin header)", async () => {
    const response = await devToken({ host: `127.0.0.1:${port}`, origin: "http://127.0.0.1:5173" });
    expect(response).toMatchObject({ status: 403, body: { error: "cross_origin" } });
  });

  it("refuses a cross-site request that sends no Origin (Sec-Fetch-Site)", async () => {
    const response = await devToken({ host: `127.0.0.1:${port}`, "sec-fetch-site": "cross-site" });
    expect(response).toMatchObject({ status: 403, body: { error: "cross_origin" } });
  });
});
