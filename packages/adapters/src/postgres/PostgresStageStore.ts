import { isTerminalUploadStatus, type StageResults, type StageStore, type UploadStatus } from "@pipeline/core";
import type { Sql } from "./Sql.js";

// A null parameter keeps the stored value. The guard leaves terminal uploads alone: their results
// and counters were recorded together by the outcome statement.
const SAVE_STAGE = `
  UPDATE uploads
     SET processing_status = $2,
         thumbnail_path = coalesce($3, thumbnail_path),
         metadata = coalesce($4::jsonb, metadata),
         description = coalesce($5, description),
         embedding = coalesce($6::real[], embedding),
         updated_at = now()
   WHERE id = $1
     AND processing_status NOT IN ('completed', 'failed', 'cancelled')`;

/**
 * Stores each processing stage's result on the upload row as soon as it exists, in one
 * parameterised statement, so a retry after a crash resumes instead of redoing the stage.
 *
 * @example
 * ```ts
 * await new PostgresStageStore(pool).save(uploadId, "analyzing", { thumbnailPath, metadata });
 * ```
 */
export class PostgresStageStore implements StageStore {
  constructor(private readonly sql: Sql) {}

  async save(uploadId: string, status: UploadStatus, results: StageResults): Promise<void> {
    if (isTerminalUploadStatus(status)) {
      throw new RangeError(`stage results cannot move upload ${uploadId} to ${status}: terminal states are recorded with their counters`);
    }
    await this.sql.query(SAVE_STAGE, [
      uploadId,
      status,
      results.thumbnailPath ?? null,
      results.metadata === undefined ? null : JSON.stringify(results.metadata),
      results.description ?? null,
      results.embedding ?? null,
    ]);
  }
}
