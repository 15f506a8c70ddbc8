import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetQueueAttributesCommand, SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { run } from "@pipeline/cli";
import { createLocalCredentials, createQueues, localSqsClient, type StackQueues } from "@pipeline/local";
import { wiring } from "@pipeline/wiring";
import { createSqsServer } from "local-aws-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/waitFor.js";

/**
 * SQS's own redrive (StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask), against
 * local-aws-sqs, which implements those APIs (fauxqs does not).
 */
describe("batchctl dlq redrive --move-task", () => {
  let server: Server;
  let sqs: SQSClient;
  let queues: StackQueues;
  let dir: string;

  beforeAll(async () => {
    server = await createSqsServer({ port: 0, hostname: "127.0.0.1", emulateQueueCreationLifecycle: false });
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const credentials = createLocalCredentials();
    sqs = localSqsClient(endpoint, credentials);
    queues = await createQueues(sqs, wiring);
    dir = await mkdtemp(join(tmpdir(), "pipeline-movetask-"));
    // The CLI reaches no database for these commands: the URL is never connected to.
    await writeFile(
      join(dir, "stack.json"),
      JSON.stringify({
        // Only the queues are real here (local-aws-sqs); nothing else is reached by the dlq commands.
        httpUrl: "http://127.0.0.1:1",
        wsUrl: "ws://127.0.0.1:1",
        managementEndpoint: "http://127.0.0.1:1",
        sqsEndpoint: endpoint,
        s3Endpoint: endpoint,
        bucket: "unused",
        region: "us-east-1",
        databaseUrl: "postgres://unused@127.0.0.1:1/none",
        pooledDatabaseUrl: "postgres://unused@127.0.0.1:1/none",
        pgProxy: "127.0.0.1:1",
        queues,
        authSecret: "unused",
        credentials,
      }),
    );
  });
  afterAll(async () => {
    sqs?.destroy();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  const batchctl = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(["node", "batchctl", "--stack", join(dir, "stack.json"), ...args], { print: (text) => out.push(text), printError: (text) => err.push(text), interactive: false });
    return { code, out: out.join("\n"), err: err.join("\n") };
  };
  const depth = async (url: string) => {
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages"] }));
    return Number(Attributes?.ApproximateNumberOfMessages);
  };

  it("starts a move task, reports its status, and moves every message back", async () => {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queues.uploads.dlqUrl,
        Entries: Array.from({ length: 10 }, (_, index) => ({ Id: String(index), MessageBody: JSON.stringify({ n: index }) })),
      }),
    );

    const started = await batchctl("dlq", "redrive", "--queue", "uploads", "--move-task");

    expect(started.code).toBe(0);
    expect(started.out).toMatch(/move task started for the uploads dead-letter queue \(task handle .+\)/);
    await waitFor(async () => (await depth(queues.uploads.url)) === 10, 15_000, "the messages to be moved");
    expect(await depth(queues.uploads.dlqUrl)).toBe(0);
    const status = await batchctl("dlq", "redrive-status", "--queue", "uploads");
    expect(status.out).toMatch(/COMPLETED\s+10/);
  });

  it("cancels a running move task", async () => {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queues.batches.dlqUrl,
        Entries: Array.from({ length: 10 }, (_, index) => ({ Id: String(index), MessageBody: JSON.stringify({ n: index }) })),
      }),
    );
    const started = await batchctl("dlq", "redrive", "--queue", "batches", "--move-task", "--rate", "1");
    const handle = /task handle (.+)\)/.exec(started.out)?.[1] ?? "";

    const cancelled = await batchctl("dlq", "redrive-cancel", "--task", handle);

    expect(cancelled.code).toBe(0);
    expect(cancelled.out).toMatch(/^move task cancelled after \d+ message\(s\) moved$/);
    const status = await batchctl("dlq", "redrive-status", "--queue", "batches");
    expect(status.out).toMatch(/CANCELLING|CANCELLED/);
    expect(await depth(queues.batches.dlqUrl)).toBeGreaterThan(0);
  });
});
