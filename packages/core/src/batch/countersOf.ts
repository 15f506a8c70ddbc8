import { estimateSecondsLeft } from "../flow/batchFlow.js";
import type { BatchCounters } from "./BatchCounters.js";
import type { BatchSnapshot } from "./BatchSnapshot.js";
import { isTerminalBatchStatus } from "./batchStatus.js";

/** The view of a committed batch every frame and page carries, its time left estimated from its rate. */
export function countersOf(snapshot: BatchSnapshot): BatchCounters {
  return {
    batchId: snapshot.id,
    version: snapshot.version,
    status: snapshot.status,
    total: snapshot.totalUploads,
    processed: snapshot.processedUploads,
    successful: snapshot.successfulUploads,
    failed: snapshot.failedUploads,
    cancelled: snapshot.cancelledUploads,
    priority: snapshot.priority,
    maxInFlight: snapshot.maxInFlight,
    paused: snapshot.paused,
    secondsLeft: estimateSecondsLeft({
      total: snapshot.totalUploads,
      processed: snapshot.processedUploads,
      activeMillis: snapshot.activeMillis,
      paused: snapshot.paused,
      final: isTerminalBatchStatus(snapshot.status),
    }),
  };
}
