import { S3Client } from "@aws-sdk/client-s3";
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { S3OffloadedBodies, SqsDeadLetterQueue, SqsDeadLetters } from "@pipeline/adapters/sqs";
import { redriveDeadLetters, type QueueAddress, type QueueName } from "@pipeline/core";
import { createQueues, localSqsClient } from "@pipeline/local";
import { wiring } from "@pipeline/wiring";
import { startFauxqs, type FauxqsServer } from "fauxqs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RecordingLogger } from "../support/RecordingLogger.js";

const BUCKET = "media";
/** A bare fauxqs (loopback only, no signature check): any key pair signs. */
const CREDENTIALS = { accessKeyId: "redrive-test", secretAccessKey: "redrive-test" };

/** Dead letters and redrive on fauxqs, the local SQS and S3 engine (its limit is SQS's: 1 MiB for body and attributes). */
describe("dead letters: offloaded bodies and redrive on the real engine", () => {
  let engine: FauxqsServer;
  let sqs: SQSClient;
  let s3: S3Client;
  let bodies: S3OffloadedBodies;
  let queues: Record<QueueName, QueueAddress>;
  let prefix = 0;

  beforeAll(async () => {
    engine = await startFauxqs({ port: 0, logger: false });
    engine.createBucket(BUCKET);
    const endpoint = `http://127.0.0.1:${engine.port}`;
    sqs = localSqsClient(endpoint, CREDENTIALS);
    s3 = new S3Client({ endpoint, forcePathStyle: true, region: "us-east-1", credentials: CREDENTIALS });
    bodies = new S3OffloadedBodies(s3, BUCKET);
  });
  beforeEach(async () => {
    queues = await createQueues(sqs, wiring, `redrive-${++prefix}-`);
  });
  afterAll(async () => {
    sqs?.destroy();
    s3?.destroy();
    await engine?.stop();
  });

  const body = (n: number) => JSON.stringify({ batchId: `batch-${n}`, uploadId: `upload-${n}` });

  async function parkAll(count: number, options: { delaySeconds?: number; from?: number } = {}) {
    for (let n = options.from ?? 0; n < (options.from ?? 0) + count; n++) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queues.uploads.dlqUrl,
          MessageBody: body(n),
          MessageAttributes: { reason: { DataType: "String", StringValue: "unknown upload" } },
          ...(options.delaySeconds ? { DelaySeconds: options.delaySeconds } : {}),
        }),
      );
    }
  }

  /** Messages in the uploads DLQ, visible or held by anyone. */
  async function deadLettersLeft(): Promise<number> {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queues.uploads.dlqUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
  }

  /** Every body that reached the source queue (consumed). */
  async function drainSource(): Promise<string[]> {
    const found: string[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queues.uploads.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      if (Messages.length === 0) return found;
      for (const message of Messages) {
        found.push(message.Body ?? "");
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queues.uploads.url, ReceiptHandle: message.ReceiptHandle }));
      }
    }
  }

  it("parks a body of about 1 MiB whole: the body goes to dead-letters/, a pointer with the reason to the DLQ; redrive sends the original back and deletes the object", async () => {
    // Prepare: a body that fits SQS alone, but not once the reason attributes are added.
    const batchId = "6f1c2a9e-8d2b-4c1a-9f3e-2b7d5c4a1e90";
    const large = JSON.stringify({ batchId, uploadId: "not-a-uuid", padding: "x".repeat(1_048_400) });
    const deadLetters = new SqsDeadLetterQueue(sqs, queues.uploads.dlqUrl, { bodies });
    const letters = new SqsDeadLetters(sqs, queues, bodies);

    // Act
    const parked = await deadLetters.send({ body: large, reason: "uploadId: Invalid UUID", sourceQueue: "uploads", messageId: "original-1" });
    const [listed] = await letters.peek("uploads", 10);
    const fetched = listed ? await letters.originalBody(listed) : "";
    const report = await redriveDeadLetters(letters.store("uploads"), new RecordingLogger(), { waitSeconds: 0, emptyReceives: 1 });

    // Assess
    const key = "dead-letters/uploads/original-1";
    expect(parked).toEqual({ offloaded: true, location: `s3://${BUCKET}/${key}`, bytes: Buffer.byteLength(large) });
    expect(listed).toMatchObject({ batchId, uploadId: "not-a-uuid", reason: "uploadId: Invalid UUID", offloaded: { location: `s3://${BUCKET}/${key}`, key, bytes: Buffer.byteLength(large) } });
    expect(listed?.body.length).toBeLessThan(200);
    expect(fetched).toBe(large);
    expect(report).toMatchObject({ moved: 1, notDeleted: [], lapsed: [] });
    expect(await drainSource()).toEqual([large]);
    await expect(bodies.get(key)).rejects.toThrow();
    expect(await deadLettersLeft()).toBe(0);
  });

  it("parks a small body as it is, with its reason", async () => {
    const parked = await new SqsDeadLetterQueue(sqs, queues.uploads.dlqUrl, { bodies }).send({ body: body(1), reason: "r", sourceQueue: "uploads", messageId: "m" });

    expect(parked).toEqual({ offloaded: false });
    expect(await new SqsDeadLetters(sqs, queues, bodies).peek("uploads", 10)).toEqual([expect.objectContaining({ body: body(1), reason: "r", offloaded: null })]);
  });

  it("moves every message, those behind a short empty gap included", async () => {
    // Prepare: five now, five that become visible two seconds later.
    await parkAll(5);
    await parkAll(5, { from: 5, delaySeconds: 2 });

    // Act
    const report = await redriveDeadLetters(new SqsDeadLetters(sqs, queues).store("uploads"), new RecordingLogger(), { waitSeconds: 1 });

    // Assess
    expect(report.moved).toBe(10);
    expect((await drainSource()).sort()).toEqual(Array.from({ length: 10 }, (_, n) => body(n)).sort());
  });

  it("at a slow rate, moves each message once and leaves none behind while another reader peeks all along", async () => {
    // Prepare: holds of 2 s, and a rate that takes 3 s for the six messages.
    await parkAll(6);
    const letters = new SqsDeadLetters(sqs, queues);
    let peeking = true;
    const peeks = (async () => {
      let count = 0;
      while (peeking) {
        await letters.peek("uploads", 10);
        count++;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return count;
    })();

    // Act
    const report = await redriveDeadLetters(letters.store("uploads"), new RecordingLogger(), { ratePerSecond: 2, holdSeconds: 2, waitSeconds: 1 });
    peeking = false;

    // Assess
    expect(await peeks).toBeGreaterThan(5);
    expect(report).toMatchObject({ moved: 6, lapsed: [], notDeleted: [] });
    expect((await drainSource()).sort()).toEqual(Array.from({ length: 6 }, (_, n) => body(n)).sort());
    expect(await deadLettersLeft()).toBe(0);
  });
});
