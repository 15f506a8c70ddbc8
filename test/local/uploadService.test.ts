import { issueToken } from "@pipeline/adapters/auth";
import { PipelineClient, type LocalStack } from "@pipeline/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/startTestStack.js";

describe("the upload service refuses bad requests with a clear 4xx", () => {
  let testStack: TestStack;
  let stack: LocalStack;
  let client: PipelineClient;

  beforeAll(async () => {
    testStack = await startTestStack({ maxFiles: 3, maxFileBytes: 1024 });
    stack = testStack.stack;
    client = await PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, "uploader");
  });
  afterAll(() => testStack?.close());

  const post = (body: RequestInit["body"], headers: Record<string, string> = { authorization: `Bearer ${client.token}` }) =>
    fetch(`${stack.endpoints.httpUrl}/api/batches`, { method: "POST", body, headers });
  const form = (files: Array<[string, number]>) => {
    const data = new FormData();
    for (const [name, size] of files) data.append("files", new Blob([Buffer.alloc(size, 1)], { type: "image/jpeg" }), name);
    return data;
  };
  const expectError = async (response: Response, status: number, code: string) => {
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ error: code, message: expect.any(String) });
  };

  it("accepts a good batch and stores its rows", async () => {
    const response = await post(form([["a.jpg", 10], ["b.jpg", 20]]));
    expect(response.status).toBe(201);
    const body = (await response.json()) as { batchId: string; total: number };
    expect(body.total).toBe(2);
    const { rows } = await stack.pipeline.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM uploads WHERE batch_id = $1", [body.batchId]);
    expect(rows[0]?.n).toBe(2);
  });

  it("no files", async () => expectError(await post(new FormData()), 400, "no_files"));
  it("a body that is not multipart", async () => expectError(await post(JSON.stringify({ files: [] }), { authorization: `Bearer ${client.token}`, "content-type": "application/json" }), 415, "unsupported_media_type"));
  it("too many files", async () => expectError(await post(form([["1", 1], ["2", 1], ["3", 1], ["4", 1]])), 413, "too_many_files"));
  it("a file that is too large", async () => expectError(await post(form([["big.jpg", 2048]])), 413, "file_too_large"));
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
