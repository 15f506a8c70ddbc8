import { admitClientFrame, finalizeProgress, openConnection, sweepStaleConnections } from "@pipeline/core";
import {
  InMemoryBatchRepository,
  InMemoryConnectionNotifier,
  InMemoryConnectionRepository,
  InMemoryDatabase,
  InMemoryPushSequencer,
  InMemoryTokenVerifier,
  ManualClock,
} from "@pipeline/testkit/fakes";
import { describe, expect, it } from "vitest";
import { RecordingLogger } from "../support/RecordingLogger.js";

const BUCKET = { burst: 3, refillPerSecond: 1 };

/** A client connected with a token valid for `tokenSeconds`, on a clock the test moves. */
async function connectedWorld(tokenSeconds = 600) {
  const clock = new ManualClock();
  const database = new InMemoryDatabase(clock.now);
  const tokens = new InMemoryTokenVerifier(clock.now);
  const connections = new InMemoryConnectionRepository(database);
  const notifier = new InMemoryConnectionNotifier(new Set(["tab"]));
  const logger = new RecordingLogger();
  await openConnection({ connections, tokens, logger }, "tab", tokens.issue("alice", new Date(clock.now().getTime() + tokenSeconds * 1000)));
  const errorCodes = () => notifier.pushes.flatMap(({ message }) => (message.type === "error" ? [message.code] : []));
  return { clock, database, connections, notifier, logger, errorCodes, deps: { connections, notifier, logger } };
}

describe("admitClientFrame", () => {
  it("admits a frame of a live connection within its rate, and names its user", async () => {
    const { deps, notifier } = await connectedWorld();

    const userId = await admitClientFrame(deps, "tab", BUCKET);

    expect(userId).toBe("alice");
    expect(notifier.pushes).toEqual([]);
    expect(notifier.closed).toEqual([]);
  });

  it("refuses every frame once the connection's token has expired, with token_expired, and closes the socket", async () => {
    const { clock, deps, notifier, errorCodes } = await connectedWorld(60);
    expect(await admitClientFrame(deps, "tab", BUCKET)).toBe("alice");
    clock.advance(61);

    const userId = await admitClientFrame(deps, "tab", BUCKET);

    expect(userId).toBeUndefined();
    expect(errorCodes()).toEqual(["token_expired"]);
    expect(notifier.closed).toEqual(["tab"]);
  });

  it("admits the burst, refuses the next frame with rate_limited and closes the socket", async () => {
    const { deps, notifier, errorCodes } = await connectedWorld();

    const answers = [];
    for (let frame = 0; frame < BUCKET.burst + 1; frame++) answers.push(await admitClientFrame(deps, "tab", BUCKET));

    expect(answers).toEqual(["alice", "alice", "alice", undefined]);
    expect(errorCodes()).toEqual(["rate_limited"]);
    expect(notifier.closed).toEqual(["tab"]);
  });

  it("refills the bucket with time: a client at its rate is never refused", async () => {
    const { clock, deps, errorCodes } = await connectedWorld();

    const answers = [];
    for (let frame = 0; frame < 20; frame++) {
      answers.push(await admitClientFrame(deps, "tab", BUCKET));
      clock.advance(1 / BUCKET.refillPerSecond);
    }

    expect(answers.every((userId) => userId === "alice")).toBe(true);
    expect(errorCodes()).toEqual([]);
  });

  it("answers a frame of an unknown connection with unknown_connection and leaves the socket open", async () => {
    const { deps, notifier, errorCodes } = await connectedWorld();
    notifier.open.add("stranger");

    const userId = await admitClientFrame(deps, "stranger", BUCKET);

    expect(userId).toBeUndefined();
    expect(errorCodes()).toEqual(["unknown_connection"]);
    expect(notifier.closed).toEqual([]);
  });
});

describe("a connection whose token expired", () => {
  it("gets no pushes from the finalizer; a live connection of the same user does", async () => {
    const { clock, database, connections, notifier, logger } = await connectedWorld(60);
    await connections.add({ connectionId: "fresh-tab", userId: "alice", tokenExpiresAt: new Date(clock.now().getTime() + 3600_000) });
    notifier.open.add("fresh-tab");
    const { batchId } = database.seedBatch({ userId: "alice", uploads: 1 });
    const batches = new InMemoryBatchRepository(database);
    await batches.startFanOut(batchId);
    clock.advance(61);

    await finalizeProgress({ batches, sequencer: new InMemoryPushSequencer(), connections, notifier, logger }, [{ batchId, changes: [] }], { pushConcurrency: 2 });

    expect(new Set(notifier.pushes.map((push) => push.connectionId))).toEqual(new Set(["fresh-tab"]));
  });

  it("is closed and forgotten by the sweeper, however young the connection", async () => {
    const { clock, connections, notifier, deps } = await connectedWorld(60);
    clock.advance(61);

    const swept = await sweepStaleConnections(deps, { now: clock.now(), maxAgeSeconds: 7200, probeAfterSeconds: 600 });

    expect(swept).toBe(1);
    expect(notifier.closed).toEqual(["tab"]);
    expect(await connections.admitFrame("tab", BUCKET)).toEqual({ kind: "unknown" });
  });
});
