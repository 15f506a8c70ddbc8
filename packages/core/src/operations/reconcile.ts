import { sweepStaleConnections, type SweepDeps, type SweepOptions } from "../connection/sweepStaleConnections.js";
import type { BatchMaintenance, CounterRepair, StalledBatch } from "../ports/BatchMaintenance.js";
import type { DeadLetterInspector } from "../ports/DeadLetterInspector.js";
import type { Logger } from "../ports/Logger.js";
import type { Metrics } from "../ports/Metrics.js";
import type { BatchQueue, ProgressQueue, UploadQueue } from "../ports/queues.js";
import { QUEUE_NAMES } from "../ports/queueNames.js";

export interface ReconcileDeps extends SweepDeps {
  maintenance: BatchMaintenance;
  deadLetters: DeadLetterInspector;
  batchQueue: BatchQueue;
  uploadQueue: UploadQueue;
  progressQueue: ProgressQueue;
  logger: Logger;
  metrics?: Metrics;
}

export interface ReconcileOptions {
  now: Date;
  /** A pending batch or an unfinished upload untouched this long lost its message. */
  lostAfterSeconds: number;
  /** A processing batch without progress this long is reported stalled. */
  stalledAfterSeconds: number;
  limit: number;
  /** Dead letters peeked per queue to count them by batch. */
  deadLetterPeek: number;
  connectionSweep: Omit<SweepOptions, "now">;
}

export interface StalledReport extends StalledBatch {
  deadLetters: number;
}

export interface ReconcileReport {
  resentBatches: string[];
  /** Batches with uploads waiting for release and nothing moving: a batch message tops their window up. */
  toppedUpBatches: string[];
  finalizationRequested: string[];
  /** Final batches whose final state no finalizer run recorded as pushed; a run was requested. */
  finalPushRequested: string[];
  repairedCounters: CounterRepair[];
  requeuedUploads: number;
  sweptConnections: number;
  stalled: StalledReport[];
}

/**
 * Repairs what crashes and lost messages leave behind. Every repair is idempotent: whatever it
 * re-sends is counted once by the guarded statements downstream.
 */
export async function reconcile(deps: ReconcileDeps, options: ReconcileOptions): Promise<ReconcileReport> {
  const { logger } = deps;
  const lostBefore = new Date(options.now.getTime() - options.lostAfterSeconds * 1000);

  const repairedCounters = await deps.maintenance.repairCounters(options.limit);
  for (const repair of repairedCounters) {
    logger.error("batch counters disagreed with the uploads table and were repaired", { batchId: repair.batchId, before: repair.before, after: repair.after });
  }

  const resentBatches = await deps.maintenance.claimStalePending(lostBefore, options.limit);
  for (const batchId of resentBatches) {
    await deps.batchQueue.send({ batchId });
    logger.warn("pending batch was never fanned out; batch message re-sent", { batchId });
  }

  const finalizationRequested = await deps.maintenance.completeButUnfinalized(options.limit);
  for (const batchId of finalizationRequested) {
    await deps.progressQueue.send({ batchId, changes: [] });
    logger.warn("batch has every upload counted but was not finalized; finalization requested", { batchId });
  }

  const finalPushRequested = await deps.maintenance.finalButUnpushed(options.limit);
  for (const batchId of finalPushRequested) {
    await deps.progressQueue.send({ batchId, changes: [] });
    logger.warn("batch is final but its final state was never recorded as pushed; push requested", { batchId });
  }

  const lostUploads = await deps.maintenance.claimLostUploads(lostBefore, options.limit);
  if (lostUploads.length > 0) {
    await deps.uploadQueue.sendAll(lostUploads);
    const batches = new Set(lostUploads.map((upload) => upload.batchId));
    for (const batchId of batches) logger.warn("unfinished uploads re-enqueued", { batchId, uploads: lostUploads.filter((upload) => upload.batchId === batchId).length });
  }

  const toppedUpBatches = await deps.maintenance.claimIdleWindows(lostBefore, options.limit);
  for (const batchId of toppedUpBatches) {
    await deps.batchQueue.send({ batchId });
    logger.warn("batch had uploads waiting for release and nothing in progress; window topped up", { batchId });
  }

  const sweptConnections = await sweepStaleConnections(deps, { now: options.now, ...options.connectionSweep });

  const stalledBatches = await deps.maintenance.stalled(new Date(options.now.getTime() - options.stalledAfterSeconds * 1000), options.limit);
  const stalled: StalledReport[] = [];
  if (stalledBatches.length > 0) {
    const letters = (await Promise.all(QUEUE_NAMES.map((queue) => deps.deadLetters.peek(queue, options.deadLetterPeek)))).flat();
    for (const batch of stalledBatches) {
      const report = { ...batch, deadLetters: letters.filter((letter) => letter.batchId === batch.batchId).length };
      stalled.push(report);
      logger.error("batch stalled", { batchId: batch.batchId, processed: batch.processed, total: batch.total, lastChangeAt: batch.lastChangeAt.toISOString(), deadLetters: report.deadLetters });
    }
  }

  deps.metrics?.count("CountersRepaired", repairedCounters.length);
  deps.metrics?.count("UploadsRequeued", lostUploads.length);
  deps.metrics?.count("StalledBatches", stalled.length);
  return { resentBatches, toppedUpBatches, finalizationRequested, finalPushRequested, repairedCounters, requeuedUploads: lostUploads.length, sweptConnections, stalled };
}
