import type { BatchCounters } from "../batch/BatchCounters.js";
import type { BatchSnapshot } from "../batch/BatchSnapshot.js";
import { countersOf } from "../batch/countersOf.js";
import type { UploadChange } from "../upload/types.js";
import type { UploadStatus } from "../upload/uploadStatus.js";
import { takeWithinBytes } from "./takeWithinBytes.js";

/** Pushes carry at most this many changes, and stay under API Gateway's 128 KB; clients fetch a snapshot for more. */
export const MAX_CHANGES_PER_PUSH = 200;

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

/** Per-file stages (thumbnail, description, embedding), at the rate the finalizer runs. */
export interface UploadProgressPush {
  type: "upload.progress";
  batchId: string;
  /** The version of the batch.progress sent with it: both describe the batch at that point. */
  version: number;
  uploads: UploadChange[];
}

export interface SnapshotUpload {
  uploadId: string;
  filename: string;
  status: UploadStatus;
  error: string | null;
  hasThumbnail: boolean;
}

/** The answer to `subscribe`: the batch as committed, a page of uploads at a time. */
export interface BatchSnapshotFrame extends BatchCounters {
  type: "batch.snapshot";
  uploads: SnapshotUpload[];
  /** Send `{"action":"subscribe","batchId":…,"after":nextCursor}` for the next page; null on the last. */
  nextCursor: string | null;
}

export type ServerMessage = BatchProgressPush | BatchCompletedPush | UploadProgressPush | BatchSnapshotFrame | ErrorFrame;

/** The counters push of a finalizer run: `batch.completed` once the batch is final, else progress. */
export function progressPush(snapshot: BatchSnapshot, changes: readonly UploadChange[], final: boolean): BatchProgressPush | BatchCompletedPush {
  const carried = takeWithinBytes(changes, MAX_CHANGES_PER_PUSH);
  return {
    type: final ? "batch.completed" : "batch.progress",
    ...countersOf(snapshot),
    changes: carried,
    changesTruncated: carried.length < changes.length,
  };
}

/** Stage changes of a finalizer run, when there are any. */
export function uploadProgressPush(snapshot: BatchSnapshot, stageChanges: readonly UploadChange[]): UploadProgressPush | undefined {
  if (stageChanges.length === 0) return undefined;
  return { type: "upload.progress", batchId: snapshot.id, version: snapshot.version, uploads: takeWithinBytes(stageChanges, MAX_CHANGES_PER_PUSH) };
}
