import { countersOf, type BatchPage, type BatchReader, type BatchView, type UploadStatus, type UploadView } from "@pipeline/core";
import type { Sql } from "./Sql.js";
import { FLOW_COLUMNS, NIL_UUID, toSnapshot, type BatchRow } from "./rows.js";

const BATCH_COLUMNS = `b.id, b.user_id, b.status, b.total_uploads, b.processed_uploads, b.successful_uploads, b.failed_uploads,
  b.cancelled_uploads, b.progress_version, b.error_message, b.created_at, b.started_at, b.completed_at, b.updated_at, ${FLOW_COLUMNS}`;

/** A batch row with the columns a reader shows. */
interface BatchViewRow extends BatchRow {
  error_message: string | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  updated_at: Date;
}

interface UploadRow extends Record<string, unknown> {
  id: string;
  filename: string;
  processing_status: UploadStatus;
  error_message: string | null;
  mime_type: string | null;
  file_size: string | number | null;
  thumbnail_path: string | null;
  description: string | null;
}

export class PostgresBatchReader implements BatchReader {
  constructor(private readonly sql: Sql) {}

  async page(batchId: string, { after, limit }: { after: string | null; limit: number }): Promise<BatchPage | undefined> {
    const [batches, uploads] = await Promise.all([
      this.sql.query<BatchViewRow>(`SELECT ${BATCH_COLUMNS} FROM upload_batches b WHERE b.id = $1`, [batchId]),
      this.sql.query<UploadRow>(
        `SELECT id, filename, processing_status, error_message, mime_type, file_size, thumbnail_path, description
           FROM uploads WHERE batch_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
        [batchId, after ?? NIL_UUID, limit + 1],
      ),
    ]);
    const batch = batches.rows[0];
    if (!batch) return undefined;
    const rows = uploads.rows.slice(0, limit);
    return {
      batch: toView(batch),
      uploads: rows.map(toUploadView),
      nextCursor: uploads.rows.length > limit ? (rows.at(-1)?.id ?? null) : null,
    };
  }

  async uploadStatusCounts(batchId: string): Promise<Partial<Record<UploadStatus, number>>> {
    const { rows } = await this.sql.query<{ processing_status: UploadStatus; n: number }>(
      "SELECT processing_status, count(*)::int AS n FROM uploads WHERE batch_id = $1 GROUP BY processing_status",
      [batchId],
    );
    return Object.fromEntries(rows.map((row) => [row.processing_status, row.n]));
  }

  async thumbnail(batchId: string, uploadId: string): Promise<{ userId: string; key: string } | undefined> {
    const { rows } = await this.sql.query<{ user_id: string; thumbnail_path: string }>(
      "SELECT user_id, thumbnail_path FROM uploads WHERE id = $1 AND batch_id = $2 AND thumbnail_path IS NOT NULL",
      [uploadId, batchId],
    );
    const row = rows[0];
    return row ? { userId: row.user_id, key: row.thumbnail_path } : undefined;
  }

  async listForUser(userId: string, limit: number): Promise<BatchView[]> {
    const { rows } = await this.sql.query<BatchViewRow>(
      `SELECT ${BATCH_COLUMNS} FROM upload_batches b WHERE b.user_id = $1 ORDER BY b.created_at DESC LIMIT $2`,
      [userId, limit],
    );
    return rows.map(toView);
  }
}

function iso(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

function toView(row: BatchViewRow): BatchView {
  return {
    ...countersOf(toSnapshot(row)),
    userId: row.user_id,
    errorMessage: row.error_message,
    createdAt: iso(row.created_at) ?? "",
    startedAt: iso(row.started_at),
    completedAt: iso(row.completed_at),
    updatedAt: iso(row.updated_at) ?? "",
  };
}

function toUploadView(row: UploadRow): UploadView {
  return {
    uploadId: row.id,
    filename: row.filename,
    status: row.processing_status,
    error: row.error_message,
    mimeType: row.mime_type,
    fileSize: row.file_size === null ? null : Number(row.file_size),
    thumbnailPath: row.thumbnail_path,
    description: row.description,
  };
}
