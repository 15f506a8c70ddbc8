import type { BatchControls, ControlScope, FlowChange, FlowOutcome } from "../ports/BatchControls.js";
import type { Logger } from "../ports/Logger.js";
import type { BatchQueue, ProgressQueue } from "../ports/queues.js";

export interface FlowControlDeps {
  controls: BatchControls;
  /** A batch message tops up the batch's window (the fan-out releases what has room). */
  batchQueue: BatchQueue;
  /** An empty progress message has the finalizer push the batch's new state to its owner. */
  progressQueue: ProgressQueue;
  logger: Logger;
}

/** Who asked, for the log: an operator (`batchctl`) or the batch's owner (the upload service). */
export interface ControlRequest extends ControlScope {
  by: "operator" | "owner";
}

/**
 * Pauses a batch: no upload of it starts from now on (a released one not yet started is held);
 * those already processing finish and are counted. Clients are told (`paused: true`).
 */
export async function pauseBatch(deps: FlowControlDeps, batchId: string, request: ControlRequest): Promise<FlowOutcome> {
  const outcome = await deps.controls.pause(batchId, request);
  if (outcome.kind !== "applied") return outcome;
  if (outcome.changed) deps.logger.warn("batch paused", { batchId, by: request.by });
  // Sent even when the batch was paused already: a control repeated because its first call's send
  // failed (after the commit) heals it. Repeated messages are harmless.
  await deps.progressQueue.send({ batchId, changes: [] });
  return outcome;
}

/** Resumes a paused batch where it stopped: its held uploads are released first, then the rest. */
export async function resumeBatch(deps: FlowControlDeps, batchId: string, request: ControlRequest): Promise<FlowOutcome> {
  const outcome = await deps.controls.resume(batchId, request);
  if (outcome.kind !== "applied") return outcome;
  if (outcome.changed) deps.logger.warn("batch resumed", { batchId, by: request.by });
  await sendControlMessages(deps, batchId);
  return outcome;
}

/**
 * Changes a batch's window or priority while it runs. A larger window (or a batch no longer
 * yielding to interactive ones) is filled at once; a smaller one takes effect as uploads finish.
 */
export async function changeBatchFlow(deps: FlowControlDeps, batchId: string, change: FlowChange, request: ControlRequest): Promise<FlowOutcome> {
  const outcome = await deps.controls.changeFlow(batchId, change, request);
  if (outcome.kind !== "applied") return outcome;
  if (outcome.changed) deps.logger.info("batch flow changed", { batchId, by: request.by, maxInFlight: outcome.maxInFlight, priority: outcome.priority });
  await sendControlMessages(deps, batchId);
  return outcome;
}

/**
 * A batch message tops the window up (nothing while paused or full) and a progress message has the
 * clients told. Sent whether or not this call changed the batch, so a control repeated after a
 * failed send heals it; repeated messages are harmless.
 */
async function sendControlMessages(deps: FlowControlDeps, batchId: string): Promise<void> {
  await deps.batchQueue.send({ batchId });
  await deps.progressQueue.send({ batchId, changes: [] });
}
