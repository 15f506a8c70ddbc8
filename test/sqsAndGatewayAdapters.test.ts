import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { GetQueueAttributesCommand, ReceiveMessageCommand, type SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { ApiGatewayConnectionNotifier } from "@pipeline/adapters/apigateway";
import { QueueSendError, SqsDeadLetterQueue, SqsDeadLetters, SqsUploadQueue } from "@pipeline/adapters/sqs";
import { createLocalCredentials, createQueues, localSqsClient } from "@pipeline/local";
import { wiring } from "@pipeline/wiring";
import { startFauxqs, type FauxqsServer } from "fauxqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeDeadLetterContract } from "./contracts/deadLetterContract.js";

const batchId = "6f1c2a9e-8d2b-4c1a-9f3e-2b7d5c4a1e90";
const uploadId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

describe("SqsUploadQueue", () => {
  let engine: FauxqsServer;
  let sqs: SQSClient;

  beforeAll(async () => {
    engine = await startFauxqs({ port: 0, logger: false });
    sqs = localSqsClient(`http://127.0.0.1:${engine.port}`, createLocalCredentials());
  });
  afterAll(async () => {
    sqs?.destroy();
    await engine?.stop();
  });

  it("sends 1,005 messages ten to a call against a real SQS engine", async () => {
    const queues = await createQueues(sqs, wiring, "send-");
    const calls: number[] = [];
    const counting = { send: (command: SendMessageBatchCommand) => (calls.push(command.input.Entries?.length ?? 0), sqs.send(command)) } as unknown as SQSClient;

    await new SqsUploadQueue(counting, queues.uploads.url, { concurrency: 8 }).sendAll(Array.from({ length: 1005 }, (_, n) => ({ batchId, uploadId: uploadId(n) })));

    expect(calls).toHaveLength(101);
    expect(Math.max(...calls)).toBe(10);
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queues.uploads.url, AttributeNames: ["ApproximateNumberOfMessages"] }));
    expect(Number(Attributes?.ApproximateNumberOfMessages)).toBe(1005);
  });

  it("re-sends only the entries SQS reports as failed for a passing reason", async () => {
    const attempts: string[][] = [];
    const flaky = {
      send: async (command: SendMessageBatchCommand) => {
        const ids = (command.input.Entries ?? []).map((entry) => entry.Id ?? "");
        attempts.push(ids);
        return attempts.length === 1
          ? { Successful: [], Failed: [{ Id: "3", Code: "InternalError", SenderFault: false, Message: "try again" }] }
          : { Successful: ids.map((Id) => ({ Id })), Failed: [] };
      },
    } as unknown as SQSClient;

    await new SqsUploadQueue(flaky, "http://queue", { concurrency: 1, retryBaseMillis: 1 }).sendAll(Array.from({ length: 10 }, (_, n) => ({ batchId, uploadId: uploadId(n) })));

    expect(attempts).toEqual([["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], ["3"]]);
  });

  it("fails with the entries' reasons when the sender is at fault", async () => {
    const rejecting = {
      send: async () => ({ Successful: [], Failed: [{ Id: "0", Code: "InvalidParameterValue", SenderFault: true, Message: "too large" }] }),
    } as unknown as SQSClient;

    const sending = new SqsUploadQueue(rejecting, "http://queue", { concurrency: 1 }).sendAll([{ batchId, uploadId: uploadId(1) }]);

    await expect(sending).rejects.toBeInstanceOf(QueueSendError);
    await expect(sending).rejects.toThrow(/InvalidParameterValue too large/);
  });

  // The same cases as test/unit/inMemoryDeadLetters.test.ts runs against the fake.
  describe("SqsDeadLetters", () => {
    let prefix = 0;
    describeDeadLetterContract(async () => {
      const queues = await createQueues(sqs, wiring, `dlq-${++prefix}-`);
      const letters = new SqsDeadLetters(sqs, queues);
      return {
        store: letters.store("uploads"),
        inspector: letters,
        park: (body, reason) => new SqsDeadLetterQueue(sqs, queues.uploads.dlqUrl).send({ body, reason, sourceQueue: "uploads", messageId: "original" }),
        sourceBodies: async () => {
          const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queues.uploads.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
          return Messages.map((message) => message.Body ?? "");
        },
      };
    });
  });
});

/** A status the test server answers by never answering. */
const HANG = -1;

describe("ApiGatewayConnectionNotifier over HTTP", () => {
  let server: Server;
  let endpoint: string;
  const statuses: number[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      const status = statuses.shift() ?? 200;
      if (status === HANG) return;
      const errorType = status === 429 ? "LimitExceededException" : status === 410 ? "GoneException" : status >= 500 ? "InternalServerErrorException" : undefined;
      response.writeHead(status, { "content-type": "application/json", ...(errorType ? { "x-amzn-errortype": errorType } : {}) });
      response.end(status === 200 ? "" : JSON.stringify({ message: errorType }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );

  const notifier = () =>
    new ApiGatewayConnectionNotifier(new ApiGatewayManagementApiClient({ endpoint, region: "us-east-1", credentials: createLocalCredentials(), maxAttempts: 1 }), {
      retryBaseMillis: 1,
      attemptTimeoutMillis: 300,
    });
  const push = { type: "error", code: "test", message: "hello" } as const;

  it("retries throttling until the push goes through", async () => {
    statuses.push(429, 429);
    await expect(notifier().push("c1", push)).resolves.toBe("sent");
    expect(statuses).toEqual([]);
  });

  it("reports 410 Gone as a connection that left", async () => {
    statuses.push(410);
    await expect(notifier().push("c1", push)).resolves.toBe("gone");
  });

  it("gives up on throttling after its retries", async () => {
    statuses.push(429, 429, 429, 429, 429, 429);
    await expect(notifier().push("c1", push)).rejects.toThrow();
    statuses.length = 0;
  });

  it("abandons a push that hangs after its timeout, so the locks it is pushed under are not held", async () => {
    statuses.push(HANG);
    const started = Date.now();

    await expect(notifier().push("c1", push)).rejects.toThrow();

    expect(Date.now() - started).toBeLessThan(2000);
  });
});
