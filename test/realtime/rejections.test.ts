import { issueToken } from "@pipeline/adapters/auth";
import { PipelineClient, type LocalStack, type PushMessage } from "@pipeline/local";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { RecordingLogger } from "../support/RecordingLogger.js";
import { seedBatch } from "@pipeline/testkit";
import { startTestStack, type TestStack } from "../support/startTestStack.js";
import { waitFor } from "../support/waitFor.js";

describe("the WebSocket API refuses what it must", () => {
  let testStack: TestStack;
  let stack: LocalStack;
  let client: PipelineClient;
  const logger = new RecordingLogger();

  beforeAll(async () => {
    testStack = await startTestStack({ logger, runtime: "in-process" });
    stack = testStack.stack;
    client = await PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, "alice");
  });
  afterAll(() => testStack?.close());

  const connectionCount = async () => (await stack.pipeline.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM connections")).rows[0]?.n;

  /** Resolves with the HTTP status of a refused upgrade; fails if the socket opens. */
  const refusedStatus = (query: string) =>
    new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(`${stack.endpoints.wsUrl}${query}`);
      socket.once("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
      socket.once("open", () => {
        socket.close();
        reject(new Error("the socket was accepted"));
      });
    });

  describe("$connect", () => {
    const secret = () => stack.endpoints.authSecret;
    const cases: Array<[string, () => Promise<string>, string]> = [
      ["no token", async () => "", "missing"],
      ["an expired token", async () => `?token=${await issueToken(secret(), "alice", -10)}`, "expired"],
      ["a forged signature", async () => `?token=${await issueToken("a-different-secret-of-thirty-two-characters+", "alice")}`, "bad-signature"],
      [
        "the wrong algorithm",
        async () => `?token=${await new SignJWT({}).setProtectedHeader({ alg: "HS512" }).setSubject("alice").setExpirationTime("1h").sign(new TextEncoder().encode(secret()))}`,
        "wrong-algorithm",
      ],
      ["a token without exp", async () => `?token=${await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("alice").sign(new TextEncoder().encode(secret()))}`, "claims"],
      ["a malformed token", async () => "?token=abc.def.ghi", "malformed"],
    ];

    it.each(cases)("refuses %s with 401 and records no connection", async (_name, query, reason) => {
      logger.lines.length = 0;

      const status = await refusedStatus(await query());

      expect(status).toBe(401);
      expect(await connectionCount()).toBe(0);
      expect(logger.matching("connection refused").map((line) => line.attributes.reason)).toEqual([reason]);
      expect(JSON.stringify(logger.lines)).not.toContain("token=");
    });
  });

  describe("client frames", () => {
    let socket: WebSocket;
    const frames: PushMessage[] = [];
    let mine: string;
    let theirs: string;

    beforeAll(async () => {
      mine = await seedBatch(stack.pipeline.sql, { userId: "alice", uploads: 450 });
      theirs = await seedBatch(stack.pipeline.sql, { userId: "bob", uploads: 3 });
      socket = await client.connect((frame) => frames.push(frame));
    });
    afterAll(() => socket?.close());

    async function answerTo(frame: string): Promise<PushMessage> {
      const before = frames.length;
      socket.send(frame);
      await waitFor(() => frames.length > before, 20_000, "an answer");
      return frames[before] as PushMessage;
    }

    it("answers subscribe with a paged snapshot of the client's own batch", async () => {
      const first = await answerTo(JSON.stringify({ action: "subscribe", batchId: mine }));
      expect(first).toMatchObject({ type: "batch.snapshot", batchId: mine, total: 450, status: "pending" });
      const uploads = [...(first.uploads as unknown[])];
      let cursor = first.nextCursor as string | null;
      while (cursor) {
        const page = await answerTo(JSON.stringify({ action: "subscribe", batchId: mine, after: cursor }));
        uploads.push(...(page.uploads as unknown[]));
        cursor = page.nextCursor as string | null;
      }
      expect(uploads).toHaveLength(450);
      expect(new Set(uploads.map((upload) => (upload as { uploadId: string }).uploadId)).size).toBe(450);
    });

    it.each([
      ["another user's batch", () => JSON.stringify({ action: "subscribe", batchId: theirs }), "not_found"],
      ["an unknown batch", () => JSON.stringify({ action: "subscribe", batchId: "0b8e7d6c-5a4f-4e3d-8c2b-1a0f9e8d7c6b" }), "not_found"],
      ["a batch id that is not a UUID", () => JSON.stringify({ action: "subscribe", batchId: "1 OR 1=1" }), "bad_request"],
      ["a frame that is not JSON", () => "{subscribe", "bad_request"],
      ["an unknown action", () => JSON.stringify({ action: "delete", batchId: mine }), "unknown_action"],
      ["an oversized frame", () => JSON.stringify({ action: "subscribe", batchId: mine, padding: "x".repeat(40 * 1024) }), "frame_too_large"],
    ])("answers %s with an error frame and nothing else", async (_name, frame, code) => {
      const answer = await answerTo(frame());

      expect(answer).toMatchObject({ type: "error", code });
      expect(JSON.stringify(answer)).not.toContain("bob");
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(frames.at(-1)).toBe(answer);
      expect(socket.readyState).toBe(WebSocket.OPEN);
    });
  });
});
