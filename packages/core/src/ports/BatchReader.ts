import type { BatchCounters } from "../batch/BatchCounters.js";
import type { UploadStatus } from "../upload/uploadStatus.js";

export interface BatchView extends BatchCounters {
  userId: string;
  errorMessage: string | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  updatedAt: string;
}

export interface UploadView {
  uploadId: string;
  filename: string;
  status: UploadStatus;
  error: string | null;
  mimeType: string | null;
  fileSize: number | null;
  thumbnailPath: string | null;
  description: string | null;
}

export interface BatchPage {
  batch: BatchView;
  uploads: UploadView[];
  /** Pass as `after` for the next page; null on the last one. */
  nextCursor: string | null;
}

/** Read side for clients and operators: a batch with its uploads, a page at a time. */
export interface BatchReader {
  page(batchId: string, options: { after: string | null; limit: number }): Promise<BatchPage | undefined>;
  listForUser(userId: string, limit: number): Promise<BatchView[]>;
  /** How many of the batch's uploads are in each state (states with none are left out). */
  uploadStatusCounts(batchId: string): Promise<Partial<Record<UploadStatus, number>>>;
  /** The stored thumbnail of an upload, with its owner so callers can check access. */
  thumbnail(batchId: string, uploadId: string): Promise<{ userId: string; key: string } | undefined>;
}
