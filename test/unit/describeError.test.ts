import { createServer } from "node:net";
import { QueueDoesNotExist, SQSServiceException } from "@aws-sdk/client-sqs";
import { describeError, errorMessage } from "@pipeline/core";
import pg from "pg";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";

/** The event a `ws` WebSocket dispatches to its 'error' listeners: what the Neon driver rejects with. */
async function webSocketErrorEvent(): Promise<WebSocket.ErrorEvent> {
  const closed = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  const socket = new WebSocket(`ws://127.0.0.1:${closed}/v2`);
  return new Promise((resolve) => socket.addEventListener("error", resolve));
}

describe("describeError names the cause of whatever was thrown", () => {
  it("a ws ErrorEvent (the Neon driver's rejection): its error's message and code, never the socket", async () => {
    // Prepare
    const event = await webSocketErrorEvent();
    expect(event instanceof Error).toBe(false);
    expect(String(event)).toBe("[object Object]");

    // Act
    const described = describeError(event);

    // Assess
    expect(described).toMatchObject({ message: expect.stringMatching(/^connect ECONNREFUSED 127\.0\.0\.1:\d+$/), code: "ECONNREFUSED" });
    expect(JSON.stringify(described)).not.toMatch(/target|_socket|readyState/);
  });

  it("an ErrorEvent-shaped object without an Error inside: its message", () => {
    expect(errorMessage({ type: "error", message: "socket hang up", error: undefined, target: { huge: "socket" } })).toBe("socket hang up");
  });

  it("an AWS SDK service exception: name, code, HTTP status, fault and request id", () => {
    const denied = Object.assign(
      new SQSServiceException({
        name: "AccessDeniedException",
        $fault: "client",
        $metadata: { httpStatusCode: 403, requestId: "req-403" },
        message: "User: arn:aws:sts::123456789012:assumed-role/worker is not authorized to perform: sqs:sendmessage on resource: arn:aws:sqs:us-east-1:123456789012:uploads-dlq",
      }),
      { Code: "AccessDenied" },
    );

    expect(describeError(denied)).toEqual({
      message:
        "AccessDeniedException (AccessDenied, HTTP 403): User: arn:aws:sts::123456789012:assumed-role/worker is not authorized to perform: sqs:sendmessage on resource: arn:aws:sqs:us-east-1:123456789012:uploads-dlq",
      name: "AccessDeniedException",
      code: "AccessDenied",
      httpStatus: 403,
      fault: "client",
      requestId: "req-403",
    });
    expect(errorMessage(new QueueDoesNotExist({ message: "The specified queue does not exist.", $metadata: { httpStatusCode: 400 } }))).toBe(
      "QueueDoesNotExist (HTTP 400): The specified queue does not exist.",
    );
  });

  it("a Postgres error: message, SQLSTATE and detail; severity as a field", () => {
    const violation = Object.assign(new pg.DatabaseError('duplicate key value violates unique constraint "uploads_pkey"', 120, "error"), {
      severity: "ERROR",
      code: "23505",
      detail: "Key (id)=(42) already exists.",
    });

    expect(describeError(violation)).toEqual({
      message: 'duplicate key value violates unique constraint "uploads_pkey" (SQLSTATE 23505): Key (id)=(42) already exists.',
      name: "DatabaseError",
      code: "23505",
      severity: "ERROR",
      detail: "Key (id)=(42) already exists.",
    });
  });

  it("an error with causes: each one once, outermost first, bounded and safe from cycles", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    const wrapped = new Error("claim failed", { cause: new TypeError("fetch failed", { cause: refused }) });
    const quoting = new Error(`unreadable video: ${refused.message}`, { cause: refused });
    const looped: Error & { cause?: unknown } = new Error("outer");
    looped.cause = new Error("inner", { cause: looped });
    let deep: Error = new Error("level 0");
    for (let level = 1; level <= 20; level++) deep = new Error(`level ${level}`, { cause: deep });

    expect(describeError(wrapped)).toEqual({ message: "claim failed: caused by fetch failed: caused by connect ECONNREFUSED 127.0.0.1:5432", name: "Error" });
    expect(errorMessage(quoting)).toBe("unreadable video: connect ECONNREFUSED 127.0.0.1:5432");
    expect(errorMessage(looped)).toBe("outer: caused by inner");
    expect(errorMessage(deep)).toBe("level 20: caused by level 19: caused by level 18: caused by level 17: caused by level 16: caused by level 15: caused by …");
  });

  it("an error whose cause is a ws ErrorEvent", async () => {
    const event = await webSocketErrorEvent();

    expect(errorMessage(new Error("database unreachable", { cause: event }))).toMatch(/^database unreachable: caused by connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
  });

  it("an AggregateError: its errors", () => {
    const both = new AggregateError([new Error("connect ECONNREFUSED ::1:5432"), new Error("connect ECONNREFUSED 127.0.0.1:5432")]);

    expect(errorMessage(both)).toBe("AggregateError: connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432");
    expect(errorMessage(new AggregateError(Array.from({ length: 7 }, (_, index) => `e${index}`), "all failed"))).toBe("all failed: e0; e1; e2; e3; e4; and 2 more");
  });

  it.each([
    ["a string", "queue is gone", "queue is gone"],
    ["a plain object with a message", { message: "throttled", code: "Throttling" }, "throttled"],
    ["a multi-line message, on one line", new Error("first line\n  second line"), "first line second line"],
    ["an Error without a message", new RangeError(), "RangeError"],
    ["an object without a message", { status: 500 }, '{"status":500}'],
    ["a circular object", (() => { const circular: Record<string, unknown> = {}; circular.self = circular; return circular; })(), "object without a message"],
    ["undefined", undefined, "undefined"],
    ["a number", 42, "42"],
  ])("%s", (_name, thrown, message) => {
    expect(errorMessage(thrown)).toBe(message);
  });
});
