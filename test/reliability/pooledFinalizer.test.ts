import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { ConnectionNotifier } from "@pipeline/core";
import { buildFinalizerDeps, createFinalizerHandler, readFinalizerConfig } from "@pipeline/functions";
import { createLambdaContext, seedBatch, toSqsEvent } from "@pipeline/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPipeline, type TestPipeline } from "../support/startTestPipeline.js";

/**
 * Through PgBouncer in transaction mode, consecutive statements of one client outside a
 * transaction may run on different server connections. A finalizer that took a session advisory
 * lock in one statement and released it in another (the design before this test) left the lock on
 * whichever server connection ran the first statement, whenever other traffic held that server
 * connection when the second statement came: the next finalizer of the batch then waited forever.
 */
describe("the finalizer through PgBouncer in transaction mode", () => {
  let pipeline: TestPipeline;
  let direct: pg.Client;

  beforeAll(async () => {
    pipeline = await startTestPipeline();
    direct = new pg.Client({ connectionString: pipeline.directUrl });
    await direct.connect();
  });
  afterAll(async () => {
    // A finalizer still waiting for a leaked lock would hold the pool's close forever.
    await direct?.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
    await direct?.end();
    await pipeline?.close();
  });

  /** The deployed finalizer, pushing through `notifier`. */
  function finalizerWith(notifier: ConnectionNotifier) {
    const env = {
      DATABASE_URL: "unused: the pipeline's pool is passed in",
      PROGRESS_QUEUE_URL: pipeline.queues.progress.url,
      PROGRESS_DLQ_URL: pipeline.queues.progress.dlqUrl,
      WS_MANAGEMENT_ENDPOINT: "http://127.0.0.1:1",
      MEDIA_BUCKET: "unused: no dead letter here",
    };
    const deps = buildFinalizerDeps(
      readFinalizerConfig(env),
      { sql: pipeline.sql, database: pipeline.sql, sqs: pipeline.sqs, logger: pipeline.logger, metrics: pipeline.metrics },
      { notifier },
    );
    return createFinalizerHandler(deps);
  }

  /** The deployed finalizer, whose pushes coincide with other database traffic (a worker's statement, say). */
  function finalizerWithTrafficDuringPushes(traffic: Array<Promise<unknown>>) {
    return finalizerWith({
      async push() {
        // LIFO reuse makes pgbouncer hand this statement the server connection the finalizer's
        // previous statement ran on; it is still running when the finalizer's next statement comes.
        traffic.push(pipeline.sql.query("SELECT pg_sleep(1)"));
        await new Promise((resolve) => setTimeout(resolve, 300));
        return "sent";
      },
      exists: async () => true,
      close: async () => {},
    });
  }

  async function finalize(handler: ReturnType<typeof createFinalizerHandler>, batchId: string) {
    await pipeline.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queues.progress.url, MessageBody: JSON.stringify({ batchId, changes: [] }) }));
    const messages = await pipeline.drain("progress");
    const context = createLambdaContext({ functionName: "finalizer", timeoutMillis: 30_000, memoryMb: 512, region: "us-east-1" });
    return handler(toSqsEvent(messages, pipeline.queues.progress.arn, "us-east-1"), context);
  }

  async function advisoryLocksHeld(): Promise<number> {
    const { rows } = await direct.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
    return rows[0]?.n ?? -1;
  }

  it("leaves no lock on a pooled server connection, and the batch's next finalizer runs", async () => {
    // Prepare
    const batchId = await seedBatch(pipeline.sql, { userId: "pooled-finalizer", uploads: 1 });
    await pipeline.sql.query("INSERT INTO connections (connection_id, user_id, token_expires_at) VALUES ('pooled-tab', 'pooled-finalizer', now() + interval '1 hour')");
    const traffic: Array<Promise<unknown>> = [];
    const handler = finalizerWithTrafficDuringPushes(traffic);

    // Act: one finalizer invocation, then (the other traffic done) the batch's next one.
    const first = await finalize(handler, batchId);
    await Promise.all(traffic);
    const leaked = await advisoryLocksHeld();
    // What the batch's next finalizer needs, asked from a server connection of its own.
    const { rows: free } = await direct.query<{ free: boolean }>("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 7)) AS free", [batchId]);
    const next = await Promise.race([
      finalize(handler, batchId).then(() => "finished"),
      new Promise((resolve) => setTimeout(() => resolve("still waiting after 5 s"), 5000)),
    ]);
    await Promise.all(traffic);

    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(leaked, "advisory locks left on the server after the finalizer returned").toBe(0);
    expect(free[0]?.free, "the batch's lock is free for its next finalizer").toBe(true);
    expect(next).toBe("finished");
    const { rows } = await direct.query<{ progress_version: number }>("SELECT progress_version::int FROM upload_batches WHERE id = $1", [batchId]);
    expect(rows[0]?.progress_version).toBe(2);
  });

  it("stops pushing when the session holding its push locks ends, and the batch's next run pushes a later version to every client", async () => {
    // Prepare: more clients than the finalizer pushes to at once, so pushes remain after the first round.
    const batchId = await seedBatch(pipeline.sql, { userId: "lost-hold", uploads: 2 });
    const tabs = Array.from({ length: 40 }, (_, index) => `lost-hold-tab-${index}`);
    await pipeline.sql.query("INSERT INTO connections (connection_id, user_id, token_expires_at) SELECT unnest($1::text[]), 'lost-hold', now() + interval '1 hour'", [tabs]);
    const pushes: Array<{ connectionId: string; version: number; afterEnd: boolean }> = [];
    let sessionEnded: Promise<void> | undefined;
    let ended = false;
    const handler = finalizerWith({
      async push(connectionId, message) {
        pushes.push({ connectionId, version: "version" in message ? message.version : -1, afterEnd: ended });
        // The first push ends the session holding the batch's lock (a failover, say); every push
        // of that round waits until the client has had time to learn of it.
        sessionEnded ??= (async () => {
          await direct.query("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
          await new Promise((resolve) => setTimeout(resolve, 500));
          ended = true;
        })();
        await sessionEnded;
        return "sent";
      },
      exists: async () => true,
      close: async () => {},
    });

    // Act
    const first = await finalize(handler, batchId);
    const firstRun = pushes.splice(0);
    const next = await finalize(handler, batchId);

    // Assess: the first run pushed its round in flight and nothing after, and failed (its message comes back).
    expect(firstRun.length).toBeGreaterThan(0);
    expect(firstRun.length).toBeLessThan(tabs.length);
    expect(firstRun.filter((push) => push.afterEnd)).toEqual([]);
    expect(first.batchItemFailures).toEqual([]);
    expect(pipeline.logger.matching(/^push order lost/).length).toBeGreaterThan(0);
    expect(pipeline.logger.matching("message requeued").length).toBeGreaterThan(0);
    // The next run pushes a later version to every client.
    expect(next.batchItemFailures).toEqual([]);
    expect(new Set(pushes.map((push) => push.connectionId))).toEqual(new Set(tabs));
    expect(Math.min(...pushes.map((push) => push.version))).toBeGreaterThan(Math.max(...firstRun.map((push) => push.version)));
  });
});
