import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalStack, startPgBouncer, type LocalStack, type RunningPgBouncer } from "@pipeline/local";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchState } from "@pipeline/testkit";
import { ANY_PORTS } from "../support/startTestStack.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";
import { waitFor } from "../support/waitFor.js";
import { RecordingClient } from "./support/RecordingClient.js";
import { TallyLogger } from "./support/TallyLogger.js";
import { SimulatedUploadProcessor } from "@pipeline/media";

const UPLOADS = 300;
/** Long enough that the fault meets the batch mid-way. */
const PROCESSING_MILLIS = 200;
const FAULT_AFTER_PROCESSED = 40;

/**
 * Faults of the pooled path, on a pgbouncer of this file's own (the run's is shared): the pooler
 * restarted, and server connections ended under it. Either way the batch completes, counted
 * exactly, finalized once, its owner told, and no process crashes.
 */
describe("faults between the functions and Postgres, under PgBouncer in transaction mode", () => {
  let dir: string;
  let database: TestDatabase;
  let pooler: RunningPgBouncer;
  let stack: LocalStack;
  let direct: pg.Client;
  const logger = new TallyLogger();
  const uncaught: unknown[] = [];
  const recordUncaught = (error: unknown) => void uncaught.push(error);

  beforeAll(async () => {
    process.on("uncaughtException", recordUncaught);
    dir = await mkdtemp(join(tmpdir(), "pipeline-pooler-faults-"));
    database = await createTestDatabase();
    pooler = await startPgBouncer({ dir: join(dir, "pgbouncer"), port: 0, serverUrl: database.url });
    stack = await startLocalStack({
      dir,
      ports: ANY_PORTS,
      databaseUrl: database.url,
      pooledDatabaseUrl: pooler.pooledUrl(database.url),
      processor: new SimulatedUploadProcessor({ latencyMillis: PROCESSING_MILLIS }),
      logger,
      runtime: "in-process",
    });
    direct = new pg.Client({ connectionString: database.url });
    await direct.connect();
  });
  afterAll(async () => {
    process.off("uncaughtException", recordUncaught);
    await direct?.end();
    await stack?.stop();
    await pooler?.stop();
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs a batch, applies `fault` once it is under way, and returns what the batch and its owner's client saw. */
  async function batchThrough(userId: string, fault: () => Promise<void>) {
    const client = await RecordingClient.connect(stack.endpoints.httpUrl, stack.endpoints.wsUrl, userId);
    const files = Array.from({ length: UPLOADS }, (_, index) => ({ filename: `${userId}-${index}.jpg`, type: "image/jpeg", data: Buffer.from(`${userId} ${index}`) }));
    const { batchId } = await client.api.submit(files);
    const state = () => batchState(stack.pipeline.sql, batchId);
    const processedAtFault = (await waitFor(async () => ((await state()).processed >= FAULT_AFTER_PROCESSED ? state() : undefined), 60_000, "the batch to be under way")).processed;
    const faultAt = Date.now();
    await fault();
    const final = await waitFor(async () => {
      const current = await state();
      return current.status === "completed" ? current : undefined;
    }, 90_000, "the batch to complete after the fault");
    await waitFor(() => client.completedAt(batchId) !== undefined, 15_000, "the client's batch.completed");
    client.close();
    const requeued = logger.count("a dependency was unreachable; message requeued");
    console.log(`${userId}: ${processedAtFault} of ${UPLOADS} counted at the fault; completed ${((Date.now() - faultAt) / 1000).toFixed(1)} s after it; ${requeued} messages requeued so far`);
    return { batchId, processedAtFault, final, client };
  }

  function assessCompleted(run: Awaited<ReturnType<typeof batchThrough>>) {
    expect(uncaught).toEqual([]);
    expect(run.processedAtFault).toBeLessThan(UPLOADS);
    expect(run.final).toMatchObject({ status: "completed", total: UPLOADS, processed: UPLOADS, successful: UPLOADS, failed: 0, cancelled: 0 });
    expect(run.final.actual).toMatchObject({ all: UPLOADS, terminal: UPLOADS, completed: UPLOADS });
    expect(logger.finalizations.get(run.batchId)).toBe(1);
    expect(run.client.frames.map(({ frame }) => frame).filter((frame) => frame.type === "batch.completed").at(-1)).toMatchObject({ batchId: run.batchId, processed: UPLOADS });
  }

  it("pgbouncer restarted mid-batch", async () => {
    const run = await batchThrough("pooler-restart", () => pooler.restart());
    assessCompleted(run);
  });

  it("every server connection under the pooler terminated mid-batch, three times", async () => {
    let terminated = 0;
    const run = await batchThrough("server-terminated", async () => {
      for (let round = 0; round < 3; round++) {
        const { rows } = await direct.query<{ ended: boolean }>(
          "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
        );
        terminated += rows.filter((row) => row.ended).length;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    });
    console.log(`server-terminated: ${terminated} server connections terminated`);
    expect(terminated).toBeGreaterThan(0);
    assessCompleted(run);
  });
});
