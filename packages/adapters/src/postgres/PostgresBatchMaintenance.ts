import type { BatchMaintenance, CounterRepair, Counters, StalledBatch, UploadRef } from "@pipeline/core";
import { inTransaction, type Database, type Sql } from "./Sql.js";
import { NIL_UUID } from "./rows.js";

const COUNTS_FROM_UPLOADS = `
  count(u.id)::int AS total,
  count(u.id) FILTER (WHERE u.processing_status IN ('completed', 'failed', 'cancelled'))::int AS processed,
  count(u.id) FILTER (WHERE u.processing_status = 'completed')::int AS successful,
  count(u.id) FILTER (WHERE u.processing_status = 'failed')::int AS failed,
  count(u.id) FILTER (WHERE u.processing_status = 'cancelled')::int AS cancelled`;

// Read without locks: a batch listed here may have been mid-commit; it is re-checked under its lock.
// Pending batches keep their declared total until the fan-out corrects it, so they are left out;
// so are batches untouched for a week (repaired long ago or never broken).
const FIND_DRIFT = `
  SELECT b.id
    FROM upload_batches b LEFT JOIN uploads u ON u.batch_id = b.id
   WHERE b.status <> 'pending' AND b.updated_at > now() - interval '7 days'
   GROUP BY b.id
  HAVING b.processed_uploads <> count(u.id) FILTER (WHERE u.processing_status IN ('completed', 'failed', 'cancelled'))
      OR b.successful_uploads <> count(u.id) FILTER (WHERE u.processing_status = 'completed')
      OR b.failed_uploads <> count(u.id) FILTER (WHERE u.processing_status = 'failed')
      OR b.cancelled_uploads <> count(u.id) FILTER (WHERE u.processing_status = 'cancelled')
      OR b.total_uploads <> count(u.id)
   LIMIT $1`;

interface CountRow extends Record<string, unknown> {
  total: number;
  processed: number;
  successful: number;
  failed: number;
  cancelled: number;
}

export class PostgresBatchMaintenance implements BatchMaintenance {
  constructor(private readonly database: Database) {}

  async claimStalePending(before: Date, limit: number): Promise<string[]> {
    const { rows } = await this.database.query<{ id: string }>(
      `UPDATE upload_batches SET updated_at = now()
        WHERE id IN (SELECT id FROM upload_batches WHERE status = 'pending' AND updated_at < $1
                      ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [before, limit],
    );
    return rows.map((row) => row.id);
  }

  async completeButUnfinalized(limit: number): Promise<string[]> {
    const { rows } = await this.database.query<{ id: string }>(
      "SELECT id FROM upload_batches WHERE status = 'processing' AND processed_uploads = total_uploads ORDER BY updated_at LIMIT $1",
      [limit],
    );
    return rows.map((row) => row.id);
  }

  async finalButUnpushed(limit: number): Promise<string[]> {
    const { rows } = await this.database.query<{ id: string }>(
      `SELECT id FROM upload_batches
        WHERE status IN ('completed', 'failed', 'cancelled') AND pushed_version < progress_version
        ORDER BY updated_at LIMIT $1`,
      [limit],
    );
    return rows.map((row) => row.id);
  }

  async repairCounters(limit: number): Promise<CounterRepair[]> {
    const { rows } = await this.database.query<{ id: string }>(FIND_DRIFT, [limit]);
    const repairs: CounterRepair[] = [];
    for (const { id } of rows) {
      const repair = await inTransaction(this.database, (sql) => this.repairOne(sql, id));
      if (repair) repairs.push(repair);
    }
    return repairs;
  }

  /** Under the batch's row lock no worker can commit an outcome for it, so the recount is exact. */
  private async repairOne(sql: Sql, batchId: string): Promise<CounterRepair | undefined> {
    const locked = await sql.query<CountRow>(
      `SELECT total_uploads AS total, processed_uploads AS processed, successful_uploads AS successful,
              failed_uploads AS failed, cancelled_uploads AS cancelled
         FROM upload_batches WHERE id = $1 FOR UPDATE`,
      [batchId],
    );
    const before = locked.rows[0];
    if (!before) return undefined;
    const counted = await sql.query<CountRow>(`SELECT ${COUNTS_FROM_UPLOADS} FROM uploads u WHERE u.batch_id = $1`, [batchId]);
    const after = counted.rows[0];
    if (!after || sameCounters(before, after)) return undefined;
    await sql.query(
      `UPDATE upload_batches
          SET total_uploads = $2, processed_uploads = $3, successful_uploads = $4, failed_uploads = $5,
              cancelled_uploads = $6, progress_version = progress_version + 1, updated_at = now()
        WHERE id = $1`,
      [batchId, after.total, after.processed, after.successful, after.failed, after.cancelled],
    );
    return { batchId, before: counters(before), after: counters(after) };
  }

  async claimLostUploads(before: Date, limit: number): Promise<UploadRef[]> {
    const { rows } = await this.database.query<{ id: string; batch_id: string }>(
      `UPDATE uploads SET updated_at = now()
        WHERE id IN (SELECT u.id FROM uploads u JOIN upload_batches b ON b.id = u.batch_id
                      WHERE b.status = 'processing' AND b.paused_at IS NULL
                        AND u.id <= b.release_cursor AND NOT u.held
                        AND u.processing_status NOT IN ('completed', 'failed', 'cancelled')
                        AND u.updated_at < $1
                      ORDER BY u.updated_at LIMIT $2 FOR UPDATE OF u SKIP LOCKED)
       RETURNING id, batch_id`,
      [before, limit],
    );
    return rows.map((row) => ({ uploadId: row.id, batchId: row.batch_id }));
  }

  async claimIdleWindows(before: Date, limit: number): Promise<string[]> {
    const { rows } = await this.database.query<{ id: string }>(
      `UPDATE upload_batches SET updated_at = now()
        WHERE id IN (SELECT b.id FROM upload_batches b
                      WHERE b.status = 'processing' AND b.paused_at IS NULL AND b.updated_at < $1
                        AND EXISTS (SELECT 1 FROM uploads u
                                     WHERE u.batch_id = b.id AND u.processing_status NOT IN ('completed', 'failed', 'cancelled')
                                       AND (u.held OR u.id > coalesce(b.release_cursor, '${NIL_UUID}'::uuid)))
                      ORDER BY b.updated_at LIMIT $2 FOR UPDATE OF b SKIP LOCKED)
       RETURNING id`,
      [before, limit],
    );
    return rows.map((row) => row.id);
  }

  async stalled(before: Date, limit: number): Promise<StalledBatch[]> {
    const { rows } = await this.database.query<{ id: string; user_id: string; total_uploads: number; processed_uploads: number; updated_at: Date }>(
      `SELECT id, user_id, total_uploads, processed_uploads, updated_at FROM upload_batches
        WHERE status = 'processing' AND paused_at IS NULL AND updated_at < $1 ORDER BY updated_at LIMIT $2`,
      [before, limit],
    );
    return rows.map((row) => ({
      batchId: row.id,
      userId: row.user_id,
      total: row.total_uploads,
      processed: row.processed_uploads,
      lastChangeAt: new Date(row.updated_at),
    }));
  }
}

function counters(row: CountRow): Counters {
  return { total: row.total, processed: row.processed, successful: row.successful, failed: row.failed, cancelled: row.cancelled };
}

function sameCounters(a: CountRow, b: CountRow): boolean {
  return a.total === b.total && a.processed === b.processed && a.successful === b.successful && a.failed === b.failed && a.cancelled === b.cancelled;
}
