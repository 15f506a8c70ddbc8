import type { BatchControls, CancelOutcome } from "../ports/BatchControls.js";
import type { ControlRequest } from "./flowControls.js";
import type { Logger } from "../ports/Logger.js";
import type { ProgressQueue } from "../ports/queues.js";

export interface CancelBatchDeps {
  controls: BatchControls;
  progressQueue: ProgressQueue;
  logger: Logger;
}

/**
 * Cancels a batch; then (after the commit) asks the finalizer to push its final state, so every
 * client watching it is told.
 */
export async function cancelBatch(deps: CancelBatchDeps, batchId: string, request: ControlRequest = { by: "operator" }): Promise<CancelOutcome> {
  const outcome = await deps.controls.cancel(batchId, request);
  if (outcome.kind === "cancelled") {
    deps.logger.warn("batch cancelled", { batchId, by: request.by, cancelledUploads: outcome.cancelledUploads });
    await deps.progressQueue.send({ batchId, changes: [] });
  }
  return outcome;
}
