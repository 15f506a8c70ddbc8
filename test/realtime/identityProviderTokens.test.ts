import { issueToken } from "@pipeline/adapters/auth";
import type { ContainerLogLine, LocalStack } from "@pipeline/local";
import { generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startTestStack, type TestStack } from "../support/startTestStack.js";
import { TestIdentityProvider } from "../support/TestIdentityProvider.js";
import { waitFor } from "../support/waitFor.js";

/**
 * AUTH_MODE=jwks, end to end: the deployed bundles in containers verify tokens an identity
 * provider signs (RS256, ES256) against its key set, served over HTTP, with its issuer and our
 * audience. Every log line the stack writes is kept: no token may appear in one.
 */
describe("tokens of an identity provider (AUTH_MODE=jwks)", () => {
  let provider: TestIdentityProvider;
  let testStack: TestStack;
  let stack: LocalStack;
  const logLines: string[] = [];

  beforeAll(async () => {
    provider = await TestIdentityProvider.start();
    testStack = await startTestStack({
      stageSettings: { authMode: "jwks", authJwksUrl: provider.jwksUrl, authIssuer: provider.issuer, authAudience: provider.audience },
      containerLog: ({ line }: ContainerLogLine) => void logLines.push(line),
      log: (line) => void logLines.push(line),
    });
    stack = testStack.stack;
  });
  afterAll(async () => {
    await testStack?.close();
    await provider?.close();
  });

  const userOf = async (connectionId: string) =>
    (await stack.pipeline.sql.query<{ user_id: string }>("SELECT user_id FROM connections WHERE connection_id = $1", [connectionId])).rows[0]?.user_id;

  /** Connects with `token`; resolves with the socket once open, or the HTTP status of a refused upgrade. */
  const connectWith = (token: string) =>
    new Promise<{ socket: WebSocket } | { status: number }>((resolve, reject) => {
      const socket = new WebSocket(`${stack.endpoints.wsUrl}?token=${encodeURIComponent(token)}`);
      socket.once("unexpected-response", (_request, response) => resolve({ status: response.statusCode ?? 0 }));
      socket.once("open", () => resolve({ socket }));
      socket.once("error", reject);
    });

  /** The reasons the $connect function logged for refusals, in order. */
  const refusalReasons = () =>
    logLines.flatMap((line) => {
      if (!line.includes('"connection refused"')) return [];
      return [(JSON.parse(line.slice(line.indexOf("{"))) as { reason?: string }).reason];
    });

  it.each(["RS256", "ES256"] as const)("admits a %s token of the provider and records the connection under its sub", async (alg) => {
    const sub = `user-${alg.toLowerCase()}`;
    const token = await provider.sign(sub, { alg });

    const outcome = await connectWith(token);

    if (!("socket" in outcome)) throw new Error(`refused with ${outcome.status}`);
    const frames: Array<{ type: string; code?: string }> = [];
    outcome.socket.on("message", (data) => frames.push(JSON.parse(String(data)) as { type: string }));
    outcome.socket.send(JSON.stringify({ action: "subscribe", batchId: "0b8e7d6c-5a4f-4e3d-8c2b-1a0f9e8d7c6b" }));
    await waitFor(() => frames.length > 0, 30_000, "an answer to subscribe");
    expect(frames[0]).toMatchObject({ type: "error", code: "not_found" });
    const { rows } = await stack.pipeline.sql.query<{ connection_id: string }>("SELECT connection_id FROM connections WHERE user_id = $1", [sub]);
    expect(rows).toHaveLength(1);
    expect(await userOf(rows[0]?.connection_id ?? "")).toBe(sub);
    outcome.socket.close();
  });

  const refusals: Array<[string, () => Promise<string>, string]> = [
    ["a token for another issuer", () => provider.sign("mallory", { issuer: "https://evil.example.com/pool" }), "claims"],
    ["a token for another audience", () => provider.sign("mallory", { audience: "another-app" }), "claims"],
    ["a token whose kid the key set does not hold", () => provider.sign("mallory", { kid: "rotated-away" }), "unknown-key"],
    ["an expired token", () => provider.sign("mallory", { expiresAt: Math.floor(Date.now() / 1000) - 120 }), "expired"],
    [
      "a token signed by another key under the provider's kid",
      async () => provider.sign("mallory", { key: (await generateKeyPair("RS256")).privateKey }),
      "bad-signature",
    ],
    ["an HS256 token, as the hs256 mode takes", () => issueToken(stack.endpoints.authSecret, "mallory"), "wrong-algorithm"],
  ];

  it.each(refusals)("refuses %s with 401 and records no connection", async (_name, token, reason) => {
    const before = refusalReasons().length;

    const outcome = await connectWith(await token());

    expect(outcome).toEqual({ status: 401 });
    expect(await stack.pipeline.sql.query("SELECT 1 FROM connections WHERE user_id = 'mallory'")).toMatchObject({ rowCount: 0 });
    await waitFor(() => refusalReasons().length > before, 10_000, "the refusal's log line");
    expect(refusalReasons().slice(before)).toEqual([reason]);
  });

  it("fetched the key set once for all these connections (it is cached per container)", () => {
    expect(provider.keySetRequests).toBeGreaterThanOrEqual(1);
    // One container serves $connect here; a kid it does not hold may trigger one more fetch.
    expect(provider.keySetRequests).toBeLessThanOrEqual(2);
  });

  it("writes no token into any log line, accepted or refused", async () => {
    const good = await provider.sign("log-reader");
    const bad = await provider.sign("log-reader", { audience: "another-app" });
    const malformed = `${good.slice(0, -10)}tampered!!`;
    const before = refusalReasons().length;

    const accepted = await connectWith(good);
    const refused = await Promise.all([connectWith(bad), connectWith(malformed)]);
    if ("socket" in accepted) accepted.socket.close();
    await waitFor(() => refusalReasons().length >= before + 2, 10_000, "the refusals' log lines");

    expect("socket" in accepted).toBe(true);
    expect(refused).toEqual([{ status: 401 }, { status: 401 }]);
    expect(logLines.length).toBeGreaterThan(0);
    for (const token of [good, bad, malformed]) {
      const signature = token.split(".")[2] ?? token;
      expect(logLines.filter((line) => line.includes(signature) || line.includes(token))).toEqual([]);
    }
    expect(logLines.filter((line) => line.includes("token="))).toEqual([]);
  });
});
