import { describe, expect, it } from "vitest";
import { lambdaHandler } from "./lambdaHandler.js";

describe("lambdaHandler", () => {
  it("composes the handler once, on the first invocation", async () => {
    let builds = 0;
    const handler = lambdaHandler(() => {
      builds++;
      return async (event: number) => event * 2;
    });

    expect(builds).toBe(0);
    expect([await handler(1), await handler(2)]).toEqual([2, 4]);
    expect(builds).toBe(1);
  });

  it("throws what is not an Error as an Error naming its cause, which the runtime's log can read", async () => {
    // The shape of the Neon driver's rejection: a WebSocket ErrorEvent, whose String() is "[object Object]".
    const event = { type: "error", message: "connect ECONNREFUSED 127.0.0.1:5432", error: undefined, target: {} };
    const handler = lambdaHandler(() => async () => Promise.reject(event));

    const thrown = await handler().catch((error: unknown) => error);

    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).toMatchObject({ message: "connect ECONNREFUSED 127.0.0.1:5432", cause: event });
  });

  it("rethrows an Error as it is", async () => {
    const failure = new TypeError("bad event");

    await expect(lambdaHandler(() => async () => Promise.reject(failure))()).rejects.toBe(failure);
  });
});
