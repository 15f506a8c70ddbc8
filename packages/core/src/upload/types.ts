import type { TerminalUploadStatus, UploadStatus } from "./uploadStatus.js";

/** What the processing step needs to know about an upload it has claimed. */
export interface UploadToProcess {
  id: string;
  batchId: string;
  userId: string;
  filename: string;
  filePath: string;
  fileType: string | null;
  fileSize: number | null;
  mimeType: string | null;
  /** How many times the upload has been claimed, this time included. */
  attempts: number;
  /** Stage results a previous attempt already stored: a retry does not redo those stages. */
  stored: StoredResults;
}

export interface StoredResults {
  thumbnailPath: string | null;
  metadata: Record<string, unknown> | null;
  description: string | null;
  hasEmbedding: boolean;
}

/** What processing produced. `null` keeps what is stored (or leaves it empty). */
export interface ProcessingResult {
  description: string | null;
  thumbnailPath: string | null;
  metadata: Record<string, unknown> | null;
  embedding: number[] | null;
}

export type UploadOutcome =
  | { uploadId: string; status: "completed"; result: ProcessingResult }
  | { uploadId: string; status: "failed"; error: string };

export const UPLOAD_STAGES = ["thumbnail", "description", "embedding"] as const;
export type UploadStage = (typeof UPLOAD_STAGES)[number];

export interface UploadChange {
  uploadId: string;
  status: UploadStatus;
  error?: string | undefined;
  /** The processing stage just finished, on non-terminal changes. */
  stage?: UploadStage | undefined;
}

export type { TerminalUploadStatus };
