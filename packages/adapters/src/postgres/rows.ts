import type { BatchSnapshot, BatchStatus } from "@pipeline/core";

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
}

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
  };
}
