import type { BatchPriority } from "../flow/batchFlow.js";
import type { BatchStatus } from "./batchStatus.js";

/** A batch's counters as committed, with the progress version they were read at. */
export interface BatchSnapshot {
  id: string;
  userId: string;
  status: BatchStatus;
  totalUploads: number;
  processedUploads: number;
  successfulUploads: number;
  failedUploads: number;
  cancelledUploads: number;
  version: number;
  priority: BatchPriority;
  maxInFlight: number | null;
  paused: boolean;
  /** Milliseconds spent processing when read, not counting time paused; null before the fan-out starts it. */
  activeMillis: number | null;
}
