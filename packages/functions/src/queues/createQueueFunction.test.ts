import { SQSServiceException } from "@aws-sdk/client-sqs";
import { batchMessageSchema, uploadMessageSchema, type CountMetric, type LogAttributes, type Verdict } from "@pipeline/core";
import { wiring } from "@pipeline/wiring";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { createQueueFunction, type QueueFunctionDeps } from "./createQueueFunction.js";

// The skeleton on recording stand-ins for the dead-letter queue, the requeue and the visibility:
// what each verdict does to a message, without SQS.

const B1 = "6f1c2a9e-8d2b-4c1a-9f3e-2b7d5c4a1e90";
const B2 = "0b8e7d6c-5a4f-4e3d-8c2b-1a0f9e8d7c6b";

describe("createQueueFunction settles each record by its verdict", () => {
  const cases: Array<[string, Verdict | "throw" | "none", { requeues?: number; failed: boolean; effects: string[]; metric?: CountMetric }]> = [
    ["done: acknowledged", { kind: "done" }, { failed: false, effects: [] }],
    ["dead-letter: parked with its reason", { kind: "dead-letter", reason: "unknown batch b1" }, { failed: false, effects: ["dead-letter unknown batch b1 from batches"], metric: "DeadLetters" }],
    ["retry: its delay set, reported failed", { kind: "retry", delaySeconds: 8, reason: "boom" }, { failed: true, effects: ["delay 8"] }],
    ["requeue: sent again with a delay and a count", { kind: "requeue", reason: "db down" }, { failed: false, effects: ["requeue 1 after 5 s"], metric: "MessagesRequeued" }],
    ["requeue below the max", { kind: "requeue", reason: "db down" }, { requeues: wiring.requeue.maxRequeues - 1, failed: false, effects: [`requeue ${wiring.requeue.maxRequeues} after 300 s`], metric: "MessagesRequeued" }],
    ["requeue at the max: counts as an attempt", { kind: "requeue", reason: "db down" }, { requeues: wiring.requeue.maxRequeues, failed: true, effects: ["delay 300"], metric: "RequeuesExhausted" }],
    ["a use case that throws: requeued", "throw", { failed: false, effects: ["requeue 1 after 5 s"], metric: "MessagesRequeued" }],
    ["no verdict: retried at once", "none", { failed: true, effects: ["delay 0"] }],
  ];

  it.each(cases)("%s", async (_name, verdict, expected) => {
    const deps = recordingDeps();
    const handler = createQueueFunction({
      message: "batch",
      schema: batchMessageSchema,
      failure: "fan-out failed",
      handleAll: async (records) => {
        if (verdict === "throw") throw new Error("connection refused");
        return new Map(verdict === "none" ? [] : records.map((record) => [record.messageId, verdict]));
      },
    })(deps);

    const response = await handler(event([record("m1", JSON.stringify({ batchId: B1 }), expected.requeues)]), context);

    expect(response.batchItemFailures).toEqual(expected.failed ? [{ itemIdentifier: "m1" }] : []);
    expect(deps.effects).toEqual(expected.effects);
    expect([...deps.counts.keys()]).toEqual(expected.metric ? [expected.metric] : []);
    expect(deps.publishes).toBe(1);
  });

  it("dead-letters a body that does not parse, with the reason, and gives the use case only the rest", async () => {
    const deps = recordingDeps();
    const seen: string[] = [];
    const handler = createQueueFunction({
      message: "batch",
      schema: batchMessageSchema,
      failure: "fan-out failed",
      handleEach: async (record) => (seen.push(record.message.batchId), { kind: "done" }),
    })(deps);

    const response = await handler(event([record("m1", "{not json"), record("m2", JSON.stringify({ batchId: B2 }))]), context);

    expect(response.batchItemFailures).toEqual([]);
    expect(seen).toEqual([B2]);
    expect(deps.effects).toEqual([expect.stringMatching(/^dead-letter body is not JSON .* from batches$/)]);
    expect(deps.errors).toEqual([expect.stringMatching(/^bad batch message: body is not JSON/)]);
  });

  it("handled one by one, a throw requeues only its own record", async () => {
    const deps = recordingDeps();
    const handler = createQueueFunction({
      message: "batch",
      schema: batchMessageSchema,
      failure: "fan-out failed",
      handleEach: async ({ message }) => {
        if (message.batchId === B1) throw new Error("connection refused");
        return { kind: "done" };
      },
    })(deps);

    const response = await handler(event([record("m1", JSON.stringify({ batchId: B1 })), record("m2", JSON.stringify({ batchId: B2 }))]), context);

    expect(response.batchItemFailures).toEqual([]);
    expect(deps.effects).toEqual(["requeue 1 after 5 s"]);
    expect(deps.errors).toEqual(["fan-out failed: connection refused"]);
  });

  const denied = new SQSServiceException({ name: "AccessDenied", $fault: "client", $metadata: { httpStatusCode: 403 }, message: "not authorized to perform sqs:SendMessage" });
  const settleFailures: Array<[string, Verdict, (settle: QueueFunctionDeps["settle"]) => void, string]> = [
    ["dead-letter send", { kind: "dead-letter", reason: "unknown upload" }, (settle) => (settle.deadLetters = { send: () => Promise.reject(denied) }), "could not send the message to the dead-letter queue; it will be delivered again"],
    ["requeue", { kind: "requeue", reason: "db down" }, (settle) => (settle.requeue = { send: () => Promise.reject(denied) }), "could not requeue the message; it will be delivered again"],
    ["retry delay", { kind: "retry", delaySeconds: 4, reason: "boom" }, (settle) => (settle.visibility = { delay: () => Promise.reject(denied) }), "could not set the retry delay; the message comes back after its visibility timeout"],
  ];

  it.each(settleFailures)("a failed %s is logged with its error and the record's ids, and the record is reported failed", async (_name, verdict, breakSettle, line) => {
    // Prepare
    const deps = recordingDeps();
    breakSettle(deps.settle);
    const handler = createQueueFunction({ message: "upload", schema: uploadMessageSchema, failure: "claim failed", handleEach: async () => verdict })(deps);

    // Act
    const response = await handler(event([record("m1", JSON.stringify({ batchId: B1, uploadId: B2 }))]), context);

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "m1" }]);
    expect(deps.errorLines).toEqual([
      {
        message: line,
        attributes: {
          messageId: "m1",
          queue: "batches",
          batchId: B1,
          uploadId: B2,
          error: { message: "AccessDenied (HTTP 403): not authorized to perform sqs:SendMessage", name: "AccessDenied", httpStatus: 403, fault: "client" },
        },
      },
    ]);
    expect(deps.counts.get("SettleFailed")).toBe(1);
  });
});

const context = { getRemainingTimeInMillis: () => 30_000 } as Context;

function event(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

function record(messageId: string, body: string, requeues?: number): SQSRecord {
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body,
    attributes: { ApproximateReceiveCount: "1", SentTimestamp: "0", SenderId: "test", ApproximateFirstReceiveTimestamp: "0" },
    messageAttributes: requeues === undefined ? {} : { requeues: { dataType: "Number", stringValue: String(requeues) } },
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:batches",
    awsRegion: "us-east-1",
  };
}

function recordingDeps() {
  const effects: string[] = [];
  const errorLines: Array<{ message: string; attributes: LogAttributes | undefined }> = [];
  const counts = new Map<CountMetric, number>();
  const deps = {
    effects,
    errorLines,
    get errors() {
      return errorLines.map((line) => line.message);
    },
    counts,
    publishes: 0,
    logger: { debug: () => {}, info: () => {}, warn: () => {}, error: (message: string, attributes?: LogAttributes) => void errorLines.push({ message, attributes }) },
    metrics: {
      count: (name: CountMetric, value = 1) => void counts.set(name, (counts.get(name) ?? 0) + value),
      milliseconds: () => {},
      publish: () => void deps.publishes++,
    },
    settle: {
      sourceQueue: "batches",
      requeuePolicy: wiring.requeue,
      deadLetters: {
        send: async (letter: { reason: string; sourceQueue: string }) => {
          effects.push(`dead-letter ${letter.reason} from ${letter.sourceQueue}`);
          return { offloaded: false as const };
        },
      },
      requeue: { send: async (_body: string, requeues: number, delaySeconds: number) => void effects.push(`requeue ${requeues} after ${delaySeconds} s`) },
      visibility: { delay: async (_receipt: string, seconds: number) => void effects.push(`delay ${seconds}`) },
    } as QueueFunctionDeps["settle"],
  };
  return deps;
}
