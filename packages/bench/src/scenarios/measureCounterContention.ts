import { TEST_FLOW } from "@pipeline/testkit/fakes";
import { PostgresUploadRepository } from "@pipeline/adapters/postgres";
import type { UploadOutcome } from "@pipeline/core";
import pg from "pg";
import { batchState, seedBatch } from "../environment/batches.js";
import type { CounterContention, CounterContentionRun } from "../report/BenchmarkReport.js";
import { findBatch, incrementProgress, updateAnalysis, uploadsOfBatch, type SeedBatch, type SeedUpload } from "../seed/seedModels.js";
import type { BenchmarkSettings } from "../settings.js";
import type { BenchContext } from "./BenchContext.js";

/** What the simulated processor returns for an upload: a description, metadata and a 16-float embedding. */
const DESCRIPTION = '[simulated] image/jpeg "photo.jpg"';
const EMBEDDING = Array.from({ length: 16 }, (_, i) => i / 16);

/**
 * Concurrent writers counting uploads into one batch row, one connection each (node-postgres over
 * TCP, so that the figures are the database's, not a driver's), the same number of uploads each way:
 * - the seed's `increment_progress`, one UPDATE of the batch row per upload;
 * - the same with the seed's `update_analysis` of the upload row before it, which is what the
 *   worker's statement also does (it moves the uploads and counts them in one go);
 * - the worker's `recordOutcomes`, `uploadsPerStatement` uploads moved and counted per statement.
 */
export async function measureCounterContention(context: BenchContext, settings: BenchmarkSettings): Promise<CounterContention> {
  const { writers, statementsPerWriter, uploadsPerStatement } = settings.counterContention;
  const uploads = writers * statementsPerWriter * uploadsPerStatement;
  const pool = new pg.Pool({ connectionString: context.database.url, max: writers });
  pool.on("error", () => {});
  try {
    await Promise.all(Array.from({ length: writers }, () => pool.query("SELECT 1")));
    const perUpload = await countEach(context, pool, writers, uploads, false);
    const perUploadWithRow = await countEach(context, pool, writers, uploads, true);
    const aggregated = await recordOutcomes(context, pool, writers, uploads, uploadsPerStatement);
    return {
      writers,
      perUpload,
      perUploadWithRow,
      aggregated: { ...aggregated, uploadsPerStatement },
      speedup: aggregated.uploadsPerSecond / perUpload.uploadsPerSecond,
      speedupOverRowAndCounter: aggregated.uploadsPerSecond / perUploadWithRow.uploadsPerSecond,
    };
  } finally {
    await pool.end();
  }
}

/** The seed's way: each upload counted by its own increment (after its own row update, with `withRow`). */
async function countEach(context: BenchContext, pool: pg.Pool, writers: number, uploads: number, withRow: boolean): Promise<CounterContentionRun> {
  const { admin } = context.database;
  // Without upload rows only the counters are written: the batch declares its uploads without rows for them.
  const batchId = await seedBatch(admin, withRow ? uploads : 0, uploads);
  const rows: SeedUpload[] = withRow ? await uploadsOfBatch(admin, batchId) : [];
  await context.database.settle();
  const perWriter = uploads / writers;
  const seconds = await timed(() =>
    Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        const batch: SeedBatch | undefined = await findBatch(pool, batchId);
        if (!batch) throw new Error(`batch ${batchId} vanished`);
        for (let i = 0; i < perWriter; i++) {
          const upload = rows[writer * perWriter + i];
          if (upload) await updateAnalysis(pool, upload, DESCRIPTION, EMBEDDING);
          await incrementProgress(pool, batch, true);
        }
      }),
    ),
  );
  return run(context, batchId, uploads, withRow ? 2 * uploads : uploads, seconds);
}

async function recordOutcomes(context: BenchContext, pool: pg.Pool, writers: number, uploads: number, uploadsPerStatement: number): Promise<CounterContentionRun> {
  const { admin } = context.database;
  const batchId = await seedBatch(admin, uploads);
  const { rows } = await admin.query<{ id: string }>("SELECT id FROM uploads WHERE batch_id = $1 ORDER BY id", [batchId]);
  const ids = rows.map((row) => row.id);
  // Processing, every upload released, as a batch whose uploads are all in flight: each statement
  // counts, locks the batch row, finds no room in its window and releases nothing.
  await admin.query("UPDATE upload_batches SET status = 'processing', release_cursor = $2, released_uploads = total_uploads WHERE id = $1", [batchId, ids.at(-1)]);
  await context.database.settle();
  const repository = new PostgresUploadRepository(pool);
  const statements = uploads / uploadsPerStatement;
  const perWriter = statements / writers;
  const seconds = await timed(() =>
    Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        for (let i = 0; i < perWriter; i++) {
          const start = (writer * perWriter + i) * uploadsPerStatement;
          await repository.recordOutcomes(batchId, ids.slice(start, start + uploadsPerStatement).map(completed), TEST_FLOW);
        }
      }),
    ),
  );
  return run(context, batchId, uploads, statements, seconds);
}

function completed(uploadId: string): UploadOutcome {
  return {
    uploadId,
    status: "completed",
    result: { description: DESCRIPTION, thumbnailPath: null, metadata: { processor: "simulated", mimeType: "image/jpeg" }, embedding: EMBEDDING },
  };
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

async function run(context: BenchContext, batchId: string, uploads: number, statements: number, seconds: number): Promise<CounterContentionRun> {
  const { processed } = await batchState(context.database.admin, batchId);
  return { uploads, statements, seconds, uploadsPerSecond: uploads / seconds, statementsPerSecond: statements / seconds, counted: processed };
}
