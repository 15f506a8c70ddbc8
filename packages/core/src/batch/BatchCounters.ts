import type { BatchStatus } from "./batchStatus.js";

/** What every view of a batch carries: its state, its counters and the version they are at. */
export interface BatchCounters {
  batchId: string;
  version: number;
  status: BatchStatus;
  total: number;
  processed: number;
  successful: number;
  failed: number;
  cancelled: number;
}
