import { createPool, PostgresBatchRepository, PostgresUploadRepository } from "@pipeline/adapters/postgres";
import type { UploadToProcess } from "@pipeline/core";
import { startWebSocketProxy } from "@pipeline/local";
import { seedBatch } from "@pipeline/testkit";
import { createTestDatabase } from "../support/testDatabase.js";

export interface UploadsDatabase {
  pool: ReturnType<typeof createPool>;
  uploads: PostgresUploadRepository;
  /** Seeds a one-upload batch pointing at `key`, starts it and claims the upload as the worker does. */
  claimNew(key: string, filename: string): Promise<UploadToProcess>;
  /** Claims an upload again, as a redelivery would: with the stage results stored so far. */
  claimAgain(upload: UploadToProcess): Promise<UploadToProcess>;
  row(uploadId: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** A migrated database of the test file's own on the run's Postgres, through the Neon driver. */
export async function startUploadsDatabase(): Promise<UploadsDatabase> {
  const database = await createTestDatabase();
  const proxy = await startWebSocketProxy({ databases: [database.url] });
  const pool = createPool({ connectionString: database.url, localWebSocketProxy: proxy.address, max: 5 });
  const uploads = new PostgresUploadRepository(pool);
  const batches = new PostgresBatchRepository(pool);

  async function claim(batchId: string, uploadId: string): Promise<UploadToProcess> {
    const [claim] = await uploads.claim([{ batchId, uploadId }]);
    if (claim?.kind !== "claimed") throw new Error(`upload ${uploadId} not claimed: ${claim?.kind}`);
    return claim.upload;
  }

  return {
    pool,
    uploads,
    async claimNew(key, filename) {
      const batchId = await seedBatch(pool, { userId: "media-user", uploads: 1 });
      await batches.startFanOut(batchId);
      const { rows } = await pool.query<{ id: string }>("UPDATE uploads SET file_path = $2, filename = $3 WHERE batch_id = $1 RETURNING id", [batchId, key, filename]);
      const uploadId = rows[0]?.id;
      if (!uploadId) throw new Error("upload not seeded");
      return claim(batchId, uploadId);
    },
    claimAgain: (upload) => claim(upload.batchId, upload.id),
    async row(uploadId) {
      const { rows } = await pool.query("SELECT * FROM uploads WHERE id = $1", [uploadId]);
      if (!rows[0]) throw new Error(`upload ${uploadId} not found`);
      return rows[0];
    },
    async close() {
      await pool.end();
      await proxy.close();
      await database.drop();
    },
  };
}
