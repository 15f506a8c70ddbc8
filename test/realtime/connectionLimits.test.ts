import { issueToken } from "@pipeline/adapters/auth";
import { PipelineClient, type LocalStack, type PushMessage } from "@pipeline/local";
import { seedBatch } from "@pipeline/testkit";
import { wiring } from "@pipeline/wiring";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { RecordingLogger } from "../support/RecordingLogger.js";
import { startTestStack, type TestStack } from "../support/startTestStack.js";
import { waitFor } from "../support/waitFor.js";

/** What a client sees of its socket: the frames it was sent, and whether and how the server closed it. */
async function watchedSocket(stack: LocalStack, token: string) {
  const frames: PushMessage[] = [];
  const socket = await new PipelineClient(stack.endpoints.httpUrl, stack.endpoints.wsUrl, token).connect((frame) => frames.push(frame));
  const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
  return { socket, frames, closed, errorCodes: () => frames.flatMap((frame) => (frame.type === "error" ? [frame.code] : [])) };
}

/** A small bucket, so that a client on this busy machine meets it in seconds; the deployed one is the wiring's. */
const testWiring = { ...wiring, webSocket: { ...wiring.webSocket, clientFrames: { burst: 5, refillPerSecond: 2 } } };
const { clientFrames } = testWiring.webSocket;

describe("a connection is served within its token's lifetime and its frame rate", () => {
  let testStack: TestStack;
  let stack: LocalStack;
  let batchId: string;
  const logger = new RecordingLogger();

  beforeAll(async () => {
    testStack = await startTestStack({ logger, runtime: "in-process", wiring: testWiring });
    stack = testStack.stack;
    batchId = await seedBatch(stack.pipeline.sql, { userId: "alice", uploads: 3 });
  });
  afterAll(() => testStack?.close());

  const subscribe = JSON.stringify({ action: "subscribe", batchId: "" });
  const subscribeFrame = () => subscribe.replace('"batchId":""', `"batchId":"${batchId}"`);

  it("answers subscribe while the token is valid; once it expired, answers token_expired and closes the socket", async () => {
    // Prepare: a token that expires in 3 seconds (JWT expiry has whole seconds).
    const client = await watchedSocket(stack, await issueToken(stack.endpoints.authSecret, "alice", 3));
    client.socket.send(subscribeFrame());
    await waitFor(() => client.frames.length > 0, 20_000, "the snapshot");
    expect(client.frames[0]).toMatchObject({ type: "batch.snapshot", batchId });
    const { rows } = await stack.pipeline.sql.query<{ seconds: number }>("SELECT extract(epoch FROM token_expires_at - now())::float8 AS seconds FROM connections WHERE user_id = 'alice'");
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, (rows[0]?.seconds ?? 3) * 1000) + 200));

    // Act
    client.socket.send(subscribeFrame());

    // Assess
    expect(await client.closed).toBe(1000);
    expect(client.errorCodes()).toEqual(["token_expired"]);
    expect(client.frames.filter((frame) => frame.type === "batch.snapshot")).toHaveLength(1);
  });

  it("answers subscribes sent as fast as they are answered up to the connection's burst, then rate_limited, and closes the socket", async () => {
    // Prepare
    const { burst, refillPerSecond } = clientFrames;
    const client = await watchedSocket(stack, await issueToken(stack.endpoints.authSecret, "alice"));
    const started = Date.now();

    // Act: the issue's 300 subscribes from one socket, each sent once the last is answered.
    for (let frame = 0; frame < 300 && client.errorCodes().length === 0; frame++) {
      client.socket.send(subscribeFrame());
      await waitFor(() => client.frames.length > frame, 20_000, `answer ${frame + 1}`);
    }
    const code = await client.closed;

    // Assess
    const seconds = (Date.now() - started) / 1000;
    const snapshots = client.frames.filter((frame) => frame.type === "batch.snapshot").length;
    expect(code).toBe(1000);
    expect(client.errorCodes()).toEqual(["rate_limited"]);
    expect(snapshots).toBeGreaterThanOrEqual(burst);
    expect(snapshots).toBeLessThanOrEqual(burst + Math.ceil(seconds * refillPerSecond));
    expect(logger.matching("client frame refused").some((line) => line.attributes.code === "rate_limited")).toBe(true);
  });

  it("refuses a burst of frames sent at once beyond the bucket, and closes the socket", async () => {
    const client = await watchedSocket(stack, await issueToken(stack.endpoints.authSecret, "alice"));

    for (let frame = 0; frame < 150; frame++) client.socket.send(subscribeFrame());

    expect(await client.closed).toBe(1000);
    // Frames admitted before the refusal may lose their answer to the close.
    expect(client.errorCodes()[0]).toBe("rate_limited");
    expect(client.frames.filter((frame) => frame.type === "batch.snapshot").length).toBeLessThanOrEqual(clientFrames.burst + 10);
  });

  it("never refuses a client that stays within its rate", async () => {
    const client = await watchedSocket(stack, await issueToken(stack.endpoints.authSecret, "alice"));
    const frames = clientFrames.burst + 10;

    for (let frame = 0; frame < frames; frame++) {
      client.socket.send(subscribeFrame());
      await waitFor(() => client.frames.length > frame, 20_000, `answer ${frame + 1}`);
      if (frame >= clientFrames.burst / 2) await new Promise((resolve) => setTimeout(resolve, 1000 / clientFrames.refillPerSecond));
    }

    expect(client.errorCodes()).toEqual([]);
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
    client.socket.close();
  });
});
