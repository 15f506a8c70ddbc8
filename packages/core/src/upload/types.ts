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
}

export interface ProcessingResult {
  description: string;
  thumbnailPath: string | null;
  metadata: Record<string, unknown>;
  embedding: number[];
}

export type UploadOutcome =
  | { uploadId: string; status: "completed"; result: ProcessingResult }
  | { uploadId: string; status: "failed"; error: string };

export interface UploadChange {
  uploadId: string;
  status: UploadStatus;
  error?: string | undefined;
}

export type { TerminalUploadStatus };
