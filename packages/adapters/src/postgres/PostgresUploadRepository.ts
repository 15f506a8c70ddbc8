import {
  isTerminalUploadStatus,
  type BatchStatus,
  type FlowPolicy,
  type RecordedOutcomes,
  type UploadClaim,
  type UploadOutcome,
  type UploadRef,
  type UploadRepository,
  type UploadStatus,
} from "@pipeline/core";
import type { Sql } from "./Sql.js";
import { NEXT_RELEASE_CURSOR, NEXT_RELEASED_UPLOADS, RELEASED_IDS, releaseCtes } from "./releaseWindow.js";

// Rows are locked in key order first so that invocations holding overlapping uploads (duplicate
// deliveries) queue behind each other instead of deadlocking.
const CLAIM = `
  WITH req AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[]) AS r(upload_id, batch_id)
  ), locked AS (
    SELECT u.id FROM uploads u JOIN req ON u.id = req.upload_id AND u.batch_id = req.batch_id
     ORDER BY u.id FOR UPDATE OF u
  ), claimed AS (
    UPDATE uploads u
       SET processing_status = 'processing', attempts = u.attempts + 1, updated_at = now()
      FROM locked, upload_batches b
     WHERE u.id = locked.id AND b.id = u.batch_id AND b.status = 'processing' AND b.paused_at IS NULL
       AND u.processing_status NOT IN ('completed', 'failed', 'cancelled')
    RETURNING u.id, u.batch_id, u.user_id, u.filename, u.file_path, u.file_type, u.file_size,
              u.mime_type, u.attempts, u.thumbnail_path, u.metadata, u.description,
              u.embedding IS NOT NULL AS has_embedding
  ), held AS (
    -- A paused batch's upload is not started; it is held, and its batch's resume releases it again.
    UPDATE uploads u SET held = true, updated_at = now()
      FROM locked, upload_batches b
     WHERE u.id = locked.id AND b.id = u.batch_id AND b.status = 'processing' AND b.paused_at IS NOT NULL
       AND u.processing_status NOT IN ('completed', 'failed', 'cancelled')
    RETURNING u.id
  )
  SELECT DISTINCT ON (req.upload_id, req.batch_id)
         req.upload_id, req.batch_id, u.batch_id AS actual_batch_id, u.processing_status,
         rb.status AS batch_status, h.id IS NOT NULL AS held, c.id IS NOT NULL AS claimed, c.user_id, c.filename, c.file_path,
         c.file_type, c.file_size, c.mime_type, c.attempts, c.thumbnail_path, c.metadata,
         c.description, c.has_embedding
    FROM req
    LEFT JOIN uploads u ON u.id = req.upload_id
    LEFT JOIN upload_batches rb ON rb.id = req.batch_id
    LEFT JOIN claimed c ON c.id = req.upload_id
    LEFT JOIN held h ON h.id = req.upload_id`;

// One statement moves the uploads and counts them: an upload already terminal is neither moved nor
// counted, which is what makes counting exactly-once under duplicate deliveries and retries. The
// same statement tops up the batch's window by what finished (releaseWindow.ts): the batch row is
// locked after the uploads (the order every statement here takes) and only when something moved.
// The ids also come as a uuid[] ($3): the planner cannot size jsonb_to_recordset and, on small
// tables, chose full scans of uploads (26 ms a call instead of 0.6 ms, measured by the benchmark).
const RECORD_OUTCOMES = `
  WITH input AS (
    SELECT * FROM jsonb_to_recordset($2::jsonb)
      AS i(upload_id uuid, status text, error text, description text, thumbnail_path text,
           metadata jsonb, embedding real[])
  ), locked AS (
    SELECT u.id FROM uploads u JOIN input i ON u.id = i.upload_id
     WHERE u.batch_id = $1 AND u.id = ANY($3::uuid[]) ORDER BY u.id FOR UPDATE OF u
  ), moved AS (
    UPDATE uploads u
       SET processing_status = i.status,
           error_message = i.error,
           description = coalesce(i.description, u.description),
           thumbnail_path = coalesce(i.thumbnail_path, u.thumbnail_path),
           metadata = coalesce(i.metadata, u.metadata),
           embedding = coalesce(i.embedding, u.embedding),
           updated_at = now()
      FROM input i, locked
     WHERE u.id = i.upload_id AND u.id = locked.id AND u.id = ANY($3::uuid[])
       AND u.processing_status NOT IN ('completed', 'failed', 'cancelled')
    RETURNING u.id, u.processing_status
  ), tally AS (
    SELECT count(*)::int AS n,
           count(*) FILTER (WHERE processing_status = 'completed')::int AS completed,
           count(*) FILTER (WHERE processing_status = 'failed')::int AS failed,
           count(*) FILTER (WHERE processing_status = 'cancelled')::int AS cancelled
      FROM moved
  ), ${releaseCtes({ batchId: "$1", defaultWindow: "$4", bulkShare: "$5", lockWhen: "(SELECT n FROM tally) > 0", moved: "moved" })}
  UPDATE upload_batches b
     SET processed_uploads = b.processed_uploads + t.n,
         successful_uploads = b.successful_uploads + t.completed,
         failed_uploads = b.failed_uploads + t.failed,
         cancelled_uploads = b.cancelled_uploads + t.cancelled,
         release_cursor = ${NEXT_RELEASE_CURSOR},
         released_uploads = ${NEXT_RELEASED_UPLOADS},
         updated_at = now()
    FROM tally t
   WHERE b.id = $1 AND t.n > 0
  RETURNING t.n, t.completed, t.failed, b.user_id, ${RELEASED_IDS} AS released`;

interface ClaimRow extends Record<string, unknown> {
  upload_id: string;
  batch_id: string;
  actual_batch_id: string | null;
  processing_status: UploadStatus | null;
  batch_status: BatchStatus | null;
  held: boolean;
  claimed: boolean;
  user_id: string | null;
  filename: string | null;
  file_path: string | null;
  file_type: string | null;
  file_size: string | number | null;
  mime_type: string | null;
  attempts: number | null;
  thumbnail_path: string | null;
  metadata: Record<string, unknown> | null;
  description: string | null;
  has_embedding: boolean | null;
}

export class PostgresUploadRepository implements UploadRepository {
  constructor(private readonly sql: Sql) {}

  async claim(refs: readonly UploadRef[]): Promise<UploadClaim[]> {
    if (refs.length === 0) return [];
    const { rows } = await this.sql.query<ClaimRow>(CLAIM, [refs.map((ref) => ref.uploadId), refs.map((ref) => ref.batchId)]);
    return rows.map(toClaim);
  }

  async recordOutcomes(batchId: string, outcomes: readonly UploadOutcome[], policy: FlowPolicy): Promise<RecordedOutcomes> {
    if (outcomes.length === 0) return { counted: 0, completed: 0, failed: 0, released: { ownerId: "", uploadIds: [] } };
    const input = outcomes.map((outcome) =>
      outcome.status === "completed"
        ? {
            upload_id: outcome.uploadId,
            status: outcome.status,
            error: null,
            description: outcome.result.description,
            thumbnail_path: outcome.result.thumbnailPath,
            metadata: outcome.result.metadata,
            embedding: outcome.result.embedding,
          }
        : { upload_id: outcome.uploadId, status: outcome.status, error: outcome.error },
    );
    const { rows } = await this.sql.query<{ n: number; completed: number; failed: number; user_id: string; released: string[] }>(RECORD_OUTCOMES, [
      batchId,
      JSON.stringify(input),
      outcomes.map((outcome) => outcome.uploadId),
      policy.defaultMaxInFlight,
      policy.bulkShareWhileInteractive,
    ]);
    const row = rows[0];
    return {
      counted: row?.n ?? 0,
      completed: row?.completed ?? 0,
      failed: row?.failed ?? 0,
      released: { ownerId: row?.user_id ?? "", uploadIds: row?.released ?? [] },
    };
  }

  async hold(batchId: string, uploadIds: readonly string[]): Promise<void> {
    if (uploadIds.length === 0) return;
    await this.sql.query(
      "UPDATE uploads SET held = true WHERE batch_id = $1 AND id = ANY($2::uuid[]) AND processing_status NOT IN ('completed', 'failed', 'cancelled')",
      [batchId, uploadIds],
    );
  }
}

function toClaim(row: ClaimRow): UploadClaim {
  const ref = { uploadId: row.upload_id, batchId: row.batch_id };
  if (row.batch_status === null) return { ...ref, kind: "unknown-batch" };
  if (row.actual_batch_id === null || row.processing_status === null) return { ...ref, kind: "unknown-upload" };
  if (row.actual_batch_id !== row.batch_id) return { ...ref, kind: "batch-mismatch", actualBatchId: row.actual_batch_id };
  if (row.claimed) {
    return {
      ...ref,
      kind: "claimed",
      upload: {
        id: row.upload_id,
        batchId: row.batch_id,
        userId: row.user_id ?? "",
        filename: row.filename ?? "",
        filePath: row.file_path ?? "",
        fileType: row.file_type,
        fileSize: row.file_size === null ? null : Number(row.file_size),
        mimeType: row.mime_type,
        attempts: row.attempts ?? 1,
        stored: {
          thumbnailPath: row.thumbnail_path,
          // The column defaults to {}: an empty object means no metadata stage has run.
          metadata: row.metadata && Object.keys(row.metadata).length > 0 ? row.metadata : null,
          description: row.description,
          hasEmbedding: row.has_embedding ?? false,
        },
      },
    };
  }
  if (isTerminalUploadStatus(row.processing_status)) return { ...ref, kind: "terminal", status: row.processing_status };
  if (row.held) return { ...ref, kind: "batch-paused" };
  if (row.batch_status !== "processing") return { ...ref, kind: "batch-not-processing", batchStatus: row.batch_status };
  // Another delivery moved it to a terminal state while this statement waited for its lock.
  return { ...ref, kind: "claimed-elsewhere" };
}
