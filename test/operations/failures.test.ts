import { randomUUID } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "@pipeline/cli";
import { createLocalCredentials, freePort, scratchDir } from "@pipeline/local";
import { QUEUE_NAMES } from "@pipeline/wiring";
import type { StackFile } from "@pipeline/wiring/stackFile";
import { startFauxqs } from "fauxqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// batchctl against a stack file whose queues do not exist on the queue engine and whose database
// nothing serves: what it prints must name the cause.
describe("batchctl names the cause of a failure", () => {
  let engine: Awaited<ReturnType<typeof startFauxqs>>;
  let dir: string;
  let nowhere: string;

  beforeAll(async () => {
    engine = await startFauxqs({ port: 0, logger: false });
    dir = await scratchDir("batchctl-failures-");
    nowhere = `127.0.0.1:${await freePort()}`;
    const sqsEndpoint = `http://127.0.0.1:${engine.port}`;
    const queueUrl = (name: string) => `${sqsEndpoint}/000000000000/${name}-missing`;
    const stack: StackFile = {
      httpUrl: "http://127.0.0.1:1",
      wsUrl: "ws://127.0.0.1:1",
      managementEndpoint: "http://127.0.0.1:1",
      sqsEndpoint,
      s3Endpoint: sqsEndpoint,
      bucket: "media",
      region: "us-east-1",
      databaseUrl: `postgres://postgres:postgres@${nowhere}/pipeline`,
      pooledDatabaseUrl: `postgres://postgres:postgres@${nowhere}/pipeline`,
      pgProxy: nowhere,
      queues: Object.fromEntries(QUEUE_NAMES.map((name) => [name, { url: queueUrl(name), dlqUrl: queueUrl(`${name}-dlq`) }])) as StackFile["queues"],
      authSecret: "unused",
      credentials: createLocalCredentials(),
    };
    await writeFile(join(dir, "stack.json"), JSON.stringify(stack));
  });
  afterAll(async () => {
    await engine?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const batchctl = async (...args: string[]) => {
    const err: string[] = [];
    const code = await run(["node", "batchctl", "--stack", join(dir, "stack.json"), ...args], { print: () => {}, printError: (text) => err.push(text), interactive: false });
    return { code, err: err.join("\n") };
  };

  it("an AWS SDK error: its name, code and HTTP status with the service's message", async () => {
    const result = await batchctl("dlq", "list", "--queue", "uploads");

    expect(result).toEqual({
      code: 1,
      err: "batchctl: QueueDoesNotExist (AWS.SimpleQueueService.NonExistentQueue, HTTP 400): The specified queue does not exist.",
    });
  });

  it("a database the Neon driver cannot reach: the connection's error, not [object Object]", async () => {
    const result = await batchctl("batch", "show", randomUUID());

    expect(result).toEqual({ code: 1, err: `batchctl: connect ECONNREFUSED ${nowhere}` });
  });
});
