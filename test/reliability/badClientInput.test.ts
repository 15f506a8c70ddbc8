import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { issueToken } from "@pipeline/adapters/auth";
import type { LocalStack, PushMessage } from "@pipeline/local";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { batchState } from "@pipeline/testkit";
import { startTestStack, type TestStack } from "../support/startTestStack.js";
import { waitFor } from "../support/waitFor.js";
import { RecordingClient } from "./support/RecordingClient.js";
import { TallyLogger } from "./support/TallyLogger.js";

const BOUNDARY = "----reliability";

/** A multipart body with one file whose Content-Disposition is written byte for byte. */
function multipart(filenameBytes: Buffer, extraParameters = ""): Buffer {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="`),
    filenameBytes,
    Buffer.from(`"${extraParameters}\r\nContent-Type: image/jpeg\r\n\r\nnot really a picture\r\n--${BOUNDARY}--\r\n`),
  ]);
}

/** An unsigned token (`alg: none`) for the given user. */
function unsignedToken(userId: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT" })}.${part({ sub: userId, exp: Math.floor(Date.now() / 1000) + 3600 })}.`;
}

/**
 * What users can send that the catalogue in docs/reliability.md lists and the upload service and
 * gateway tests do not cover yet: filenames, token algorithms, and names long enough to reach the
 * limits of the queues and of API Gateway's messages. The stack runs the real media step.
 */
describe("bad input from clients", () => {
  let testStack: TestStack;
  let stack: LocalStack;
  let client: RecordingClient;
  const logger = new TallyLogger();

  beforeAll(async () => {
    testStack = await startTestStack({ logger, runtime: "in-process" });
    stack = testStack.stack;
    client = await RecordingClient.connect(stack.endpoints.httpUrl, stack.endpoints.wsUrl, "bad-input-user");
  });
  afterAll(async () => {
    client?.close();
    await testStack?.close();
  });

  const postBatch = (body: Buffer | FormData, token = client.api.token, contentType = `multipart/form-data; boundary=${BOUNDARY}`) =>
    fetch(`${stack.endpoints.httpUrl}/api/batches`, {
      method: "POST",
      body,
      headers: { authorization: `Bearer ${token}`, ...(body instanceof FormData ? {} : { "content-type": contentType }) },
    });
  const storedFilenames = async (batchId: string) => {
    const response = await fetch(`${stack.endpoints.httpUrl}/api/batches/${batchId}`, { headers: { authorization: `Bearer ${client.api.token}` } });
    return ((await response.json()) as { uploads: Array<{ filename: string }> }).uploads.map((upload) => upload.filename);
  };

  describe("filenames through the upload service's multipart form", () => {
    it.each([
      ["SQL-looking", Buffer.from("x'); DROP TABLE uploads; --.jpg"), "x'); DROP TABLE uploads; --.jpg"],
      ["invalid UTF-8 bytes", Buffer.from([0x61, 0xc3, 0x28, 0xff, 0xfe, 0x2e, 0x6a, 0x70, 0x67]), "a\ufffd(\ufffd\ufffd.jpg"],
      ["a path", Buffer.from("../../etc/passwd"), "passwd"],
    ])("%s: accepted, stored as text (parameterised; invalid bytes become U+FFFD; paths cut to the name)", async (_name, bytes, stored) => {
      const response = await postBatch(multipart(bytes));

      expect(response.status).toBe(201);
      const { batchId } = (await response.json()) as { batchId: string };
      expect(await storedFilenames(batchId)).toEqual([stored]);
      const { rows } = await stack.pipeline.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM uploads WHERE batch_id = $1", [batchId]);
      expect(rows[0]?.n).toBe(1);
    });

    it("invalid UTF-8 in an RFC 5987 filename*: accepted, invalid bytes stored as U+FFFD", async () => {
      const response = await postBatch(multipart(Buffer.from("ignored.jpg"), "; filename*=utf-8''a%C3%28%FF.jpg"));

      expect(response.status).toBe(201);
      expect(await storedFilenames(((await response.json()) as { batchId: string }).batchId)).toEqual(["a\ufffd(\ufffd.jpg"]);
    });

    it.each([
      ["a raw NUL byte", multipart(Buffer.from([0x61, 0x00, 0x62, 0x2e, 0x6a, 0x70, 0x67]))],
      ["a part header over 16 KB (a 20,000-character name)", multipart(Buffer.from(`${"a".repeat(20_000)}.jpg`))],
    ])("%s: refused with 400 bad_multipart", async (_name, body) => {
      const response = await postBatch(body);

      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: "bad_multipart" });
    });

    it("a NUL byte percent-encoded in filename*: refused with a 4xx or stored without it, never a 500", async () => {
      const response = await postBatch(multipart(Buffer.from("ignored.jpg"), "; filename*=utf-8''a%00b.jpg"));

      expect(response.status).not.toBe(500);
      if (response.status === 201) expect((await storedFilenames(((await response.json()) as { batchId: string }).batchId))[0]).not.toContain("\u0000");
      else expect(response.status).toBe(400);
    });

    it("a 2,100-character name on a file the media step rejects: the failure and its reason reach the client, and no progress message is dead-lettered", async () => {
      // Prepare: the media step's reason quotes the name, so the reason is longer than 2,000 characters.
      const name = `${"n".repeat(2100)}.jpg`;
      const form = new FormData();
      form.append("files", new Blob([Buffer.from("plain text, not an image")], { type: "image/jpeg" }), name);

      // Act
      const response = await postBatch(form);
      expect(response.status).toBe(201);
      const { batchId, uploads } = (await response.json()) as { batchId: string; uploads: Array<{ uploadId: string }> };
      const uploadId = uploads[0]?.uploadId;
      const state = () => batchState(stack.pipeline.sql, batchId);
      await waitFor(async () => (await state()).actual.terminal === 1, 30_000, "the upload to be processed");
      await waitFor(() => client.frames.some(({ frame }) => frame.batchId === batchId && frame.type === "batch.completed"), 10_000, "batch.completed");
      // The failure reaches the client in the final push, or (when the outcome's progress message
      // arrives after another one finalized the batch) in the snapshot a client reads on completion,
      // as the dashboard does: that snapshot always has it.
      const socket = await client.api.connect(() => {});
      const snapshot = new Promise<PushMessage>((resolve) =>
        socket.on("message", (data) => {
          const frame = JSON.parse(data.toString()) as PushMessage;
          if (frame.type === "batch.snapshot") resolve(frame);
        }),
      );
      socket.send(JSON.stringify({ action: "subscribe", batchId }));
      const answer = (await Promise.race([snapshot, new Promise((resolve) => setTimeout(resolve, 5_000))])) as (PushMessage & { uploads?: Array<{ uploadId: string; status: string; error: string | null }> }) | undefined;
      socket.close();

      // Assess
      expect(await progressDeadLetters()).toBe(0);
      const inSnapshot = answer?.uploads?.find((upload) => upload.uploadId === uploadId);
      expect(inSnapshot).toMatchObject({ status: "failed", error: expect.stringContaining("not a recognised image") });
      expect(await state()).toMatchObject({ status: "completed", processed: 1, failed: 1 });
    });

    it("200 files with 250-character CJK names (legal on Windows): a client's subscribe gets the batch's snapshot", async () => {
      // Prepare
      const form = new FormData();
      for (let index = 0; index < 200; index++) form.append("files", new Blob([Buffer.from("x")], { type: "image/jpeg" }), `${"写".repeat(246)}${String(index).padStart(3, "0")}.jpg`);
      const response = await postBatch(form);
      expect(response.status).toBe(201);
      const { batchId } = (await response.json()) as { batchId: string };
      const before = client.frames.length;

      // Act
      const socket = await client.api.connect((frame) => client.frames.push({ at: Date.now(), frame }));
      const answers: PushMessage[] = [];
      const answered = new Promise<void>((resolve) =>
        socket.on("message", (data) => {
          const frame = JSON.parse(data.toString()) as PushMessage;
          if (frame.type !== "batch.progress" && frame.type !== "batch.completed" && frame.type !== "upload.progress") {
            answers.push(frame);
            resolve();
          }
        }),
      );
      socket.send(JSON.stringify({ action: "subscribe", batchId }));
      await Promise.race([answered, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      socket.close();

      // Assess
      expect(client.frames.length).toBeGreaterThanOrEqual(before);
      expect(answers[0]).toMatchObject({ type: "batch.snapshot", batchId });
    });
  });

  describe("tokens", () => {
    const wrongAlgorithm = () =>
      new SignJWT({}).setProtectedHeader({ alg: "HS512" }).setSubject("bad-input-user").setExpirationTime("1h").sign(new TextEncoder().encode(stack.endpoints.authSecret));

    it.each([
      ["signed with the wrong algorithm (HS512)", wrongAlgorithm],
      ["unsigned (alg: none)", async () => unsignedToken("bad-input-user")],
      ["signed for an empty subject", () => issueToken(stack.endpoints.authSecret, "")],
    ])("upload service: a token %s is refused with 401 and nothing is stored", async (_name, token) => {
      const { rows: before } = await stack.pipeline.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM upload_batches");
      const form = new FormData();
      form.append("files", new Blob([Buffer.from("x")], { type: "image/jpeg" }), "a.jpg");

      const response = await postBatch(form, await token());

      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: "unauthorized" });
      const { rows: after } = await stack.pipeline.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM upload_batches");
      expect(after[0]?.n).toBe(before[0]?.n);
    });

    it("WebSocket: an unsigned token (alg: none) is refused with 401 and no connection is recorded", async () => {
      const { rows: before } = await stack.pipeline.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM connections");

      const status = await new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(`${stack.endpoints.wsUrl}?token=${unsignedToken("bad-input-user")}`);
        socket.once("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
        socket.once("open", () => {
          socket.close();
          reject(new Error("the socket was accepted"));
        });
      });

      expect(status).toBe(401);
      const { rows: after } = await stack.pipeline.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM connections");
      expect(after[0]?.n).toBe(before[0]?.n);
    });
  });

  async function progressDeadLetters(): Promise<number> {
    const { Attributes = {} } = await stack.pipeline.sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.queues.progress.dlqUrl, AttributeNames: ["ApproximateNumberOfMessages"] }));
    return Number(Attributes.ApproximateNumberOfMessages ?? 0);
  }
});
