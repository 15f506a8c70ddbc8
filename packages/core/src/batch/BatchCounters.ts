import type { BatchFlow } from "../flow/batchFlow.js";
import type { BatchStatus } from "./batchStatus.js";

/** What every view of a batch carries: its state, its counters and the version they are at, and how its uploads are released. */
export interface BatchCounters extends BatchFlow {
  batchId: string;
  version: number;
  status: BatchStatus;
  total: number;
  processed: number;
  successful: number;
  failed: number;
  cancelled: number;
}
