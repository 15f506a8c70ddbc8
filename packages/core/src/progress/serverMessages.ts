import type { BatchStatus } from "../batch/batchStatus.js";
import type { BatchSnapshot } from "../batch/BatchSnapshot.js";
import type { UploadChange } from "../upload/types.js";

/** Pushes are kept well under API Gateway's 128 KB message limit; clients fetch a snapshot for more. */
export const MAX_CHANGES_PER_PUSH = 200;

interface BatchCounters {
  batchId: string;
  version: number;
  status: BatchStatus;
  total: number;
  processed: number;
  successful: number;
  failed: number;
  cancelled: number;
}

export interface BatchProgressPush extends BatchCounters {
  type: "batch.progress";
  changes: UploadChange[];
  /** More uploads changed than the push carries: ask for a snapshot to see them all. */
  changesTruncated: boolean;
}

export interface BatchCompletedPush extends BatchCounters {
  type: "batch.completed";
  changes: UploadChange[];
  changesTruncated: boolean;
}

export interface ErrorFrame {
  type: "error";
  code: string;
  message: string;
  batchId?: string;
}

export type ServerMessage = BatchProgressPush | BatchCompletedPush | ErrorFrame;

/** One push per batch per finalizer run: `batch.completed` once the batch is final, else progress. */
export function progressPush(snapshot: BatchSnapshot, changes: readonly UploadChange[], final: boolean): BatchProgressPush | BatchCompletedPush {
  return {
    type: final ? "batch.completed" : "batch.progress",
    batchId: snapshot.id,
    version: snapshot.version,
    status: snapshot.status,
    total: snapshot.totalUploads,
    processed: snapshot.processedUploads,
    successful: snapshot.successfulUploads,
    failed: snapshot.failedUploads,
    cancelled: snapshot.cancelledUploads,
    changes: changes.slice(0, MAX_CHANGES_PER_PUSH),
    changesTruncated: changes.length > MAX_CHANGES_PER_PUSH,
  };
}
