import type { UploadStatus } from "../upload/uploadStatus.js";

export interface StageResults {
  thumbnailPath?: string | null;
  metadata?: Record<string, unknown>;
  description?: string;
  embedding?: number[];
}

/**
 * Keeps each stage's result as soon as it exists, so an upload retried after a crash between
 * stages resumes where it stopped instead of calling the AI service again.
 */
export interface StageStore {
  /** Stores results of a non-terminal upload and moves it to `status`; a terminal upload is left alone. */
  save(uploadId: string, status: UploadStatus, results: StageResults): Promise<void>;
}
