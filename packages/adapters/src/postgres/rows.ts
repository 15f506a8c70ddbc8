import type { BatchPriority, BatchSnapshot, BatchStatus } from "@pipeline/core";

/** The lowest UUID: where a keyset page starts when there is no cursor yet. */
export const NIL_UUID = "00000000-0000-0000-0000-000000000000";

export interface BatchRow extends Record<string, unknown> {
  id: string;
  user_id: string;
  status: BatchStatus;
  total_uploads: number;
  processed_uploads: number;
  successful_uploads: number;
  failed_uploads: number;
  cancelled_uploads: number;
  progress_version: string | number;
  priority: BatchPriority;
  max_in_flight: number | null;
  paused: boolean;
  active_millis: string | number | null;
}

/**
 * The flow columns every batch row read carries (\`b\` is upload_batches): the time processing
 * so far leaves out time paused, and pauses before the batch started.
 */
export const FLOW_COLUMNS = `b.priority, b.max_in_flight, b.paused_at IS NOT NULL AS paused,
  greatest(0, floor(extract(epoch FROM coalesce(b.completed_at, b.paused_at, now()) - b.started_at) * 1000) - b.paused_millis)::bigint AS active_millis`;

export function toSnapshot(row: BatchRow): BatchSnapshot {
  return {
    id: row.id,
    userId: row.user_id,
    status: row.status,
    totalUploads: row.total_uploads,
    processedUploads: row.processed_uploads,
    successfulUploads: row.successful_uploads,
    failedUploads: row.failed_uploads,
    cancelledUploads: row.cancelled_uploads,
    // bigint arrives as a string; versions stay far below 2^53.
    version: Number(row.progress_version),
    priority: row.priority,
    maxInFlight: row.max_in_flight,
    paused: row.paused,
    activeMillis: row.active_millis === null ? null : Number(row.active_millis),
  };
}
