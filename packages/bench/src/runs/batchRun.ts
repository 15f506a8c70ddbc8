import type pg from "pg";
import { batchState, lastUploadChangeAt } from "../environment/batches.js";
import type { PushRecorder } from "../environment/PushRecorder.js";

/** When a run started (the batch handed over) and when its owner's client heard it completed, epoch milliseconds. */
export interface RunTiming {
  startedAt: number;
  completedAt: number;
}

/** One batch, run by either side. */
export interface BatchRun {
  uploads: number;
  /** The batch's processed counter after the run: each upload counted once means equal to `uploads`. */
  counted: number;
  successful: number;
  /** Terminal uploads in the uploads table. */
  terminal: number;
  /** From handing the batch over to its last upload's terminal commit: the processing throughput. */
  processingSeconds: number;
  uploadsPerSecond: number;
  /** From handing the batch over to the client receiving its completion: adds each side's fixed finishing latency. */
  endToEndSeconds: number;
  endToEndUploadsPerSecond: number;
  /** Pushes the owner's one WebSocket connection received for the batch. */
  pushes: number;
  /** Of those, `batch.completed`: exactly one for a pipeline batch; the seed port sends none. */
  completedPushes: number;
}

/** Reads what a finished run left in the database and on the client. */
export async function describeRun(admin: pg.Pool, client: PushRecorder, batchId: string, uploads: number, timing: RunTiming): Promise<BatchRun> {
  const [counts, lastChangeAt] = await Promise.all([batchState(admin, batchId), lastUploadChangeAt(admin, batchId)]);
  const processingSeconds = (lastChangeAt - timing.startedAt) / 1000;
  const endToEndSeconds = (timing.completedAt - timing.startedAt) / 1000;
  return {
    uploads,
    counted: counts.processed,
    successful: counts.successful,
    terminal: counts.actual.terminal,
    processingSeconds,
    uploadsPerSecond: uploads / processingSeconds,
    endToEndSeconds,
    endToEndUploadsPerSecond: uploads / endToEndSeconds,
    pushes: client.pushesFor(batchId),
    completedPushes: client.completionsFor(batchId),
  };
}
