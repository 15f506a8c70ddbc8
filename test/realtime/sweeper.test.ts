import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { ApiGatewayConnectionNotifier } from "@pipeline/adapters/apigateway";
import { PostgresConnectionRepository } from "@pipeline/adapters/postgres";
import { sweepStaleConnections } from "@pipeline/core";
import { PipelineClient, type LocalStack } from "@pipeline/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecordingLogger } from "../support/RecordingLogger.js";
import { startTestStack, type TestStack } from "../support/startTestStack.js";
import { waitFor } from "../support/waitFor.js";

describe("sweeping stale connections", () => {
  let testStack: TestStack;
  let stack: LocalStack;

  beforeAll(async () => {
    testStack = await startTestStack({  });
    stack = testStack.stack;
  });
  afterAll(() => testStack?.close());

  it("removes records past API Gateway's 2-hour limit and those the management API no longer knows, closes sockets whose tokens expired, and keeps live ones", async () => {
    // Prepare: two live sockets (one of them 20 minutes old), a record whose socket vanished, one
    // 3 hours old, and a young live socket whose token has expired.
    const sql = stack.pipeline.sql;
    const client = await PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, "sweeper");
    const fresh = await client.connect(() => {});
    const older = await client.connect(() => {});
    const live = await waitFor(async () => {
      const { rows } = await sql.query<{ connection_id: string }>("SELECT connection_id FROM connections ORDER BY connected_at");
      return rows.length === 2 ? rows.map((row) => row.connection_id) : undefined;
    }, 20_000, "two connection rows");
    const expiring = await client.connect(() => {});
    const expiringClosed = new Promise<number>((resolve) => expiring.once("close", resolve));
    await waitFor(async () => (await sql.query("SELECT 1 FROM connections")).rowCount === 3, 20_000, "the third connection row");
    await sql.query("UPDATE connections SET token_expires_at = now() - interval '1 second' WHERE connection_id <> ALL($1::text[])", [live]);
    await sql.query("UPDATE connections SET connected_at = now() - interval '20 minutes' WHERE connection_id = $1", [live[1]]);
    await sql.query(
      "INSERT INTO connections (connection_id, user_id, connected_at, token_expires_at) VALUES ('vanished=', 'sweeper', now() - interval '20 minutes', now() + interval '1 hour'), ('ancient=', 'sweeper', now() - interval '3 hours', now() + interval '1 hour')",
    );
    const logger = new RecordingLogger();
    const deps = {
      connections: new PostgresConnectionRepository(sql),
      notifier: new ApiGatewayConnectionNotifier(new ApiGatewayManagementApiClient({ endpoint: stack.endpoints.managementEndpoint, region: "us-east-1", credentials: stack.endpoints.credentials })),
      logger,
    };

    // Act
    const removed = await sweepStaleConnections(deps, { now: new Date(), maxAgeSeconds: 7200, probeAfterSeconds: 600 });

    // Assess
    expect(removed).toBe(3);
    expect(await expiringClosed).toBe(1000);
    const { rows } = await sql.query<{ connection_id: string }>("SELECT connection_id FROM connections ORDER BY connection_id");
    expect(rows.map((row) => row.connection_id).sort()).toEqual([...live].sort());
    fresh.close();
    older.close();
  });
});
