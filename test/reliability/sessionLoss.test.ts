import { GetQueueAttributesCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { PostgresBatchMaintenance } from "@pipeline/adapters/postgres";
import { seedBatch } from "@pipeline/testkit";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { invoke } from "../support/invoke.js";
import { startTestPipeline, type TestPipeline } from "../support/startTestPipeline.js";
import { waitFor } from "../support/waitFor.js";

/**
 * Postgres ends sessions on its own terms: a restart, a failover, an operator's
 * pg_terminate_backend. Work that holds a pool client across statements (the finalizer's push
 * lock, the reconciler's repair transaction) must see that as a failed statement, not as an
 * uncaught 'error' event that ends the process (a Lambda runtime, or the whole local stack).
 */
describe("a database session that ends under work holding it", () => {
  let pipeline: TestPipeline;
  const uncaught: unknown[] = [];
  const record = (error: unknown) => void uncaught.push(error);

  beforeAll(async () => {
    pipeline = await startTestPipeline();
  });
  afterAll(() => pipeline?.close());
  beforeEach(() => {
    uncaught.length = 0;
    process.on("uncaughtException", record);
  });
  afterEach(() => {
    process.off("uncaughtException", record);
  });

  /** Terminates the one session waiting on `waitEvent` (a lock), once it waits. */
  async function terminateWaiting(waitEvent: "advisory" | "transactionid" | "tuple"): Promise<void> {
    const pid = await waitFor(async () => {
      const { rows } = await pipeline.sql.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = $1",
        [waitEvent],
      );
      return rows[0]?.pid;
    }, 10_000, `a session waiting on a ${waitEvent} lock`);
    await pipeline.sql.query("SELECT pg_terminate_backend($1)", [pid]);
    // The driver learns of it when the socket closes.
    await new Promise((resolve) => setTimeout(resolve, 500));
  }

  it("the finalizer: its invocation requeues the progress, and the process lives on", async () => {
    // Prepare: another finalizer (here, the test) holds the batch's push lock.
    const batchId = await seedBatch(pipeline.sql, { userId: "session-loss", uploads: 1 });
    const holder = await pipeline.sql.connect();
    await holder.query("BEGIN");
    await holder.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", [batchId]);
    await pipeline.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queues.progress.url, MessageBody: JSON.stringify({ batchId, changes: [] }) }));
    const messages = await pipeline.drain("progress");

    // Act: the finalizer waits for the lock; its session is terminated meanwhile.
    const requeuedBefore = pipeline.metrics.counts.get("MessagesRequeued") ?? 0;
    const invocation = invoke(pipeline, "finalizer", messages);
    await terminateWaiting("advisory");
    const response = await invocation;
    await holder.query("ROLLBACK");
    holder.release();

    // Assess
    expect(uncaught).toEqual([]);
    expect(response.batchItemFailures).toEqual([]);
    expect((pipeline.metrics.counts.get("MessagesRequeued") ?? 0) - requeuedBefore).toBe(1);
    // Requeued: a delayed copy of the progress message waits on the queue.
    const { Attributes } = await pipeline.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: pipeline.queues.progress.url, AttributeNames: ["ApproximateNumberOfMessagesDelayed"] }),
    );
    expect(Attributes?.ApproximateNumberOfMessagesDelayed).toBe("1");
  });

  it("the reconciler's counter repair: the repair fails as a statement does, and the process lives on", async () => {
    // Prepare: counters that disagree with the uploads table, and the batch row locked by another session.
    const batchId = await seedBatch(pipeline.sql, { userId: "session-loss", uploads: 2 });
    await pipeline.sql.query("UPDATE upload_batches SET status = 'processing', total_uploads = 1 WHERE id = $1", [batchId]);
    const holder = await pipeline.sql.connect();
    await holder.query("BEGIN");
    await holder.query("SELECT 1 FROM upload_batches WHERE id = $1 FOR UPDATE", [batchId]);

    // Act
    const repair = new PostgresBatchMaintenance(pipeline.sql).repairCounters(10).then(
      () => "repaired",
      (error: unknown) => `failed: ${String(error)}`,
    );
    await terminateWaiting("transactionid");
    const outcome = await repair;
    await holder.query("ROLLBACK");
    holder.release();

    // Assess
    expect(uncaught).toEqual([]);
    expect(outcome).toMatch(/^failed: .*terminat/i);
  });
});
