import {
  createPool,
  PostgresBatchControls,
  PostgresBatchMaintenance,
  PostgresBatchReader,
  PostgresBatchRepository,
  PostgresConnectionRepository,
  PostgresPushSequencer,
  PostgresStageStore,
  PostgresUploadRepository,
  type Sql,
} from "@pipeline/adapters/postgres";
import type { UploadOutcome } from "@pipeline/core";
import { startWebSocketProxy, type WebSocketProxy } from "@pipeline/local";
import { batchState, seedBatch, TEST_FLOW } from "@pipeline/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeRepositoryContracts, type ContractWorld } from "./contracts/index.js";
import { createTestDatabase, type TestDatabase } from "./support/testDatabase.js";

/** Counts the statements a repository sends, to hold the counting cost to its promise. */
class CountingSql implements Sql {
  statements = 0;
  constructor(private readonly inner: Sql) {}
  query<R extends Record<string, unknown>>(text: string, values?: unknown[]) {
    this.statements++;
    return this.inner.query<R>(text, values);
  }
}

describe("Postgres repositories on real Postgres through the Neon driver", () => {
  let database: TestDatabase;
  let proxy: WebSocketProxy;
  let pool: ReturnType<typeof createPool>;

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await startWebSocketProxy({ databases: [database.url] });
    pool = createPool({ connectionString: database.url, localWebSocketProxy: proxy.address, max: 20 });
  });
  afterAll(async () => {
    await pool?.end();
    await proxy?.close();
    await database?.drop();
  });

  async function startedBatch(uploads: number): Promise<{ batchId: string; uploadIds: string[] }> {
    const batchId = await seedBatch(pool, { userId: "repo-user", uploads });
    await new PostgresBatchRepository(pool).startFanOut(batchId);
    const { rows } = await pool.query<{ id: string }>("SELECT id FROM uploads WHERE batch_id = $1 ORDER BY id", [batchId]);
    return { batchId, uploadIds: rows.map((row) => row.id) };
  }

  const completed = (uploadId: string): UploadOutcome => ({
    uploadId,
    status: "completed",
    result: { description: "d", thumbnailPath: null, metadata: { k: 1 }, embedding: [0.5, 0.25] },
  });

  it("counts each upload once when 16 writers race to record overlapping outcomes", async () => {
    // Prepare
    const { batchId, uploadIds } = await startedBatch(200);
    const repository = new PostgresUploadRepository(pool);
    const writers = Array.from({ length: 16 }, (_, writer) =>
      // Each writer holds an overlapping, differently ordered slice of the batch.
      uploadIds.filter((_, index) => (index + writer) % 3 !== 0).sort(() => (writer % 2 === 0 ? 1 : -1)),
    );

    // Act
    const results = await Promise.all(writers.map((ids) => repository.recordOutcomes(batchId, ids.map(completed), TEST_FLOW)));

    // Assess
    expect(results.reduce((sum, result) => sum + result.counted, 0)).toBe(200);
    const state = await batchState(pool, batchId);
    expect(state).toMatchObject({ processed: 200, successful: 200 });
    expect(state.actual.completed).toBe(200);
  });

  it("stores the results with the terminal state, and a failure with its reason", async () => {
    const { batchId, uploadIds } = await startedBatch(2);
    const [ok, bad] = uploadIds as [string, string];

    await new PostgresUploadRepository(pool).recordOutcomes(batchId, [completed(ok), { uploadId: bad, status: "failed", error: "corrupt file" }], TEST_FLOW);

    const { rows } = await pool.query<Record<string, unknown>>(
      "SELECT id, processing_status, description, metadata, embedding, error_message FROM uploads WHERE batch_id = $1",
      [batchId],
    );
    expect(rows.find((row) => row.id === ok)).toMatchObject({ processing_status: "completed", description: "d", metadata: { k: 1 }, embedding: [0.5, 0.25], error_message: null });
    expect(rows.find((row) => row.id === bad)).toMatchObject({ processing_status: "failed", error_message: "corrupt file", description: null });
    expect(await batchState(pool, batchId)).toMatchObject({ processed: 2, successful: 1, failed: 1 });
  });

  it("refuses counters that break invariant I2 at the database", async () => {
    const { batchId } = await startedBatch(1);

    await expect(pool.query("UPDATE upload_batches SET processed_uploads = 1 WHERE id = $1", [batchId])).rejects.toThrow(/upload_batches_processed_is_sum/);
    await expect(
      pool.query("UPDATE upload_batches SET processed_uploads = 2, successful_uploads = 2 WHERE id = $1", [batchId]),
    ).rejects.toThrow(/upload_batches_processed_within_total/);
    await expect(pool.query("UPDATE upload_batches SET status = 'completed' WHERE id = $1", [batchId])).rejects.toThrow(/upload_batches_final_only_when_done/);
  });

  it("claims and records a whole invocation in two statements, whatever its size", async () => {
    const { batchId, uploadIds } = await startedBatch(10);
    const sql = new CountingSql(pool);
    const repository = new PostgresUploadRepository(sql);

    const claims = await repository.claim(uploadIds.map((uploadId) => ({ batchId, uploadId })));
    await repository.recordOutcomes(batchId, uploadIds.map(completed), TEST_FLOW);

    expect(claims.every((claim) => claim.kind === "claimed")).toBe(true);
    expect(sql.statements).toBe(2);
  });

  it("gives each of many concurrent progress advances of an unfinished batch its own version", async () => {
    const { batchId, uploadIds } = await startedBatch(3);
    await new PostgresUploadRepository(pool).recordOutcomes(batchId, uploadIds.slice(1).map(completed), TEST_FLOW);
    const batches = new PostgresBatchRepository(pool);

    const advances = (await Promise.all(Array.from({ length: 12 }, () => batches.advanceProgress([batchId])))).flat();

    expect(advances.map((advance) => advance.snapshot.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it("finalizes a batch in exactly one of many concurrent progress advances; the others leave its version", async () => {
    const { batchId, uploadIds } = await startedBatch(3);
    await new PostgresUploadRepository(pool).recordOutcomes(batchId, uploadIds.map(completed), TEST_FLOW);
    const batches = new PostgresBatchRepository(pool);

    const advances = (await Promise.all(Array.from({ length: 12 }, () => batches.advanceProgress([batchId])))).flat();

    expect(advances.filter((advance) => advance.finalizedNow)).toHaveLength(1);
    expect(new Set(advances.map((advance) => advance.snapshot.version))).toEqual(new Set([1]));
  });

  it("cancels a batch whose uploads a claim is locking in key order by waiting for it, without a deadlock", async () => {
    // Prepare: the lowest id stored last, so a scan in storage order (a bitmap scan, on a batch
    // this size) meets the highest before it.
    const { batchId, uploadIds } = await startedBatch(300);
    const [low, high] = [uploadIds[0], uploadIds.at(-1)] as [string, string];
    await pool.query("UPDATE uploads SET updated_at = now() WHERE id = $1", [low]);
    await pool.query("ANALYZE uploads");
    const claim = new pg.Client({ connectionString: database.url });
    await claim.connect();
    const deadlocks = async () => Number((await pool.query<{ n: string }>("SELECT deadlocks AS n FROM pg_stat_database WHERE datname = current_database()")).rows[0]?.n);
    const deadlocksBefore = await deadlocks();

    // Act: a claim holds the lower upload; the cancel starts; the claim then takes the higher one.
    await claim.query("BEGIN");
    await claim.query("SELECT id FROM uploads WHERE id = $1 FOR UPDATE", [low]);
    const cancel = new PostgresBatchControls(pool).cancel(batchId);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await claim.query("SELECT id FROM uploads WHERE id = $1 FOR UPDATE", [high]).then(() => "locked", (error: Error) => error.message);
    await claim.query("COMMIT").catch(() => claim.query("ROLLBACK"));
    const outcome = await cancel;
    await claim.end();

    // Assess: the cancel waited its turn, and nothing was aborted to break a cycle.
    expect(second).toBe("locked");
    expect(outcome).toEqual({ kind: "cancelled", cancelledUploads: 300 });
    expect(await deadlocks()).toBe(deadlocksBefore);
  });

  it("records outcomes and refills the window reading about a window's rows, however many of the batch's uploads are done", async () => {
    // Prepare: 3,000 uploads, 2,900 done, 40 released and being processed.
    const { batchId, uploadIds } = await startedBatch(3000);
    await pool.query(
      `UPDATE uploads SET processing_status = CASE WHEN id <= $2 THEN 'completed' ELSE 'processing' END WHERE batch_id = $1 AND id <= $3`,
      [batchId, uploadIds[2899], uploadIds[2939]],
    );
    await pool.query("UPDATE upload_batches SET processed_uploads = 2900, successful_uploads = 2900, released_uploads = 2940, release_cursor = $2 WHERE id = $1", [batchId, uploadIds[2939]]);
    await pool.query("ANALYZE uploads");
    // Every scan of uploads in the statement's plan, with the rows it read and threw away.
    const scanned: Array<{ node: string; rows: number; removed: number }> = [];
    const client = await pool.connect();
    const explaining = {
      query: async <R extends Record<string, unknown>>(text: string, values?: unknown[]) => {
        await client.query("BEGIN");
        const { rows } = await client.query<{ "QUERY PLAN": Array<{ Plan: PlanNode }> }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values);
        await client.query("ROLLBACK");
        const visit = (node: PlanNode) => {
          if (node["Relation Name"] === "uploads") scanned.push({ node: `${node["Node Type"]} ${node["Index Name"] ?? ""}`, rows: node["Actual Rows"] * node["Actual Loops"], removed: node["Rows Removed by Filter"] ?? 0 });
          for (const child of node.Plans ?? []) visit(child);
        };
        visit(rows[0]?.["QUERY PLAN"][0]?.Plan as PlanNode);
        return { rows: [] as R[], rowCount: 0 };
      },
    };

    // Act
    await new PostgresUploadRepository(explaining).recordOutcomes(batchId, uploadIds.slice(2900, 2903).map(completed), { ...TEST_FLOW, defaultMaxInFlight: 40 });
    client.release();

    // Assess: no scan of uploads read more than a window's worth of rows (the 2,900 done included).
    expect(scanned.length).toBeGreaterThan(0);
    expect(scanned.filter((scan) => scan.rows + scan.removed > 100)).toEqual([]);
  });

  // The same cases as test/unit/inMemoryContracts.test.ts: what the fakes promise, Postgres keeps.
  describeRepositoryContracts(
    (): ContractWorld => ({
      batches: new PostgresBatchRepository(pool),
      uploads: new PostgresUploadRepository(pool),
      controls: new PostgresBatchControls(pool),
      reader: new PostgresBatchReader(pool),
      maintenance: new PostgresBatchMaintenance(pool),
      stages: new PostgresStageStore(pool),
      connections: new PostgresConnectionRepository(pool),
      sequencer: new PostgresPushSequencer(pool),
      seedBatch: async ({ maxFailurePercent, ...seed }) => {
        const batchId = await seedBatch(pool, seed);
        if (maxFailurePercent !== undefined) await pool.query("UPDATE upload_batches SET max_failure_percent = $2 WHERE id = $1", [batchId, maxFailurePercent]);
        const { rows } = await pool.query<{ id: string }>("SELECT id FROM uploads WHERE batch_id = $1 ORDER BY id", [batchId]);
        return { batchId, uploadIds: rows.map((row) => row.id) };
      },
      ageUploads: async (batchId, seconds) => {
        await pool.query("UPDATE uploads SET updated_at = updated_at - make_interval(secs => $2) WHERE batch_id = $1", [batchId, seconds]);
      },
      zeroCounters: async (batchId) => {
        await pool.query("UPDATE upload_batches SET processed_uploads = 0, successful_uploads = 0, failed_uploads = 0, cancelled_uploads = 0 WHERE id = $1", [batchId]);
      },
    }),
  );
});

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows": number;
  "Actual Loops": number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}
