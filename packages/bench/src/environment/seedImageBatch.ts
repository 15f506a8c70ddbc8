import type { BatchPriority } from "@pipeline/core";
import type pg from "pg";

export interface ImageBatchOptions {
  userId: string;
  uploads: number;
  priority: BatchPriority;
  /** The batch's own window; undefined: the stage's default. */
  maxInFlight: number | undefined;
  /** A batch the upload service stored: the new uploads point at its objects, in turn. */
  templateBatchId: string;
}

/**
 * Writes a batch of real images without uploading them: its rows, in one statement as the upload
 * service writes them, each `file_path` one of the template batch's stored objects in turn, so
 * 30,000 uploads cost 30,000 rows and no request. The worker reads `file_path` as given (it checks
 * only the uploads prefix), so every upload is a real image through the media step; the keys lie
 * under the template owner's segment, which nothing but the upload service looks at. Each upload
 * has an id of its own, hence a thumbnail of its own.
 */
export async function seedImageBatch(admin: pg.Pool, options: ImageBatchOptions): Promise<string> {
  const { rows } = await admin.query<{ id: string }>(
    `WITH template AS (
       SELECT (row_number() OVER (ORDER BY id) - 1)::int AS i, filename, file_path, file_type, file_size, mime_type
         FROM uploads WHERE batch_id = $4
     ), batch AS (
       INSERT INTO upload_batches (user_id, total_uploads, priority, max_in_flight) VALUES ($1, $2, $3, $5) RETURNING id
     ), files AS (
       INSERT INTO uploads (user_id, batch_id, filename, file_path, file_type, file_size, mime_type)
       SELECT $1, batch.id, n || '-' || t.filename, t.file_path, t.file_type, t.file_size, t.mime_type
         FROM batch, generate_series(0, $2::int - 1) AS n
         JOIN template t ON t.i = n % (SELECT count(*) FROM template)
     )
     SELECT id FROM batch`,
    [options.userId, options.uploads, options.priority, options.templateBatchId, options.maxInFlight ?? null],
  );
  const id = rows[0]?.id;
  if (!id) throw new Error(`batch of ${options.uploads} images not created`);
  const { rows: written } = await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM uploads WHERE batch_id = $1", [id]);
  // An empty template would give a batch without uploads, which measures nothing.
  if (written[0]?.n !== options.uploads) throw new Error(`batch ${id}: ${written[0]?.n ?? 0} of ${options.uploads} uploads written (template ${options.templateBatchId})`);
  return id;
}
