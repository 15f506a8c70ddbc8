import type { SQSClient } from "@aws-sdk/client-sqs";
import { PostgresBatchControls, type Sql } from "@pipeline/adapters/postgres";
import { SqsJsonQueue } from "@pipeline/adapters/sqs";
import {
  cancelBatch,
  changeBatchFlow,
  pauseBatch,
  resumeBatch,
  type BatchMessage,
  type CancelOutcome,
  type FlowChange,
  type FlowControlDeps,
  type FlowOutcome,
  type Logger,
  type ProgressMessage,
} from "@pipeline/core";
import { HttpError } from "./HttpError.js";

export interface OwnerControlsOptions {
  sql: Sql;
  sqs: SQSClient;
  batchesQueueUrl: string;
  progressQueueUrl: string;
  logger: Logger;
}

/** What pause, resume and a flow change answer: the batch's flow as it now is. */
export interface FlowAnswer {
  batchId: string;
  paused: boolean;
  priority: string;
  maxInFlight: number | null;
  /** False when the batch already was as asked (pausing a paused batch): nothing was written. */
  changed: boolean;
}

export interface CancelAnswer {
  batchId: string;
  cancelledUploads: number;
}

/**
 * A batch owner's flow controls: the core's use cases scoped to the caller's own batches, so
 * another user's batch answers exactly as an unknown one (404, I6). A final batch answers 409.
 */
export class OwnerControls {
  private readonly deps: FlowControlDeps;

  constructor(options: OwnerControlsOptions) {
    this.deps = {
      controls: new PostgresBatchControls(options.sql),
      batchQueue: new SqsJsonQueue<BatchMessage>(options.sqs, options.batchesQueueUrl),
      progressQueue: new SqsJsonQueue<ProgressMessage>(options.sqs, options.progressQueueUrl),
      logger: options.logger,
    };
  }

  async pause(userId: string, batchId: string): Promise<FlowAnswer> {
    return flowAnswer(batchId, await pauseBatch(this.deps, batchId, { by: "owner", ownerId: userId }));
  }

  async resume(userId: string, batchId: string): Promise<FlowAnswer> {
    return flowAnswer(batchId, await resumeBatch(this.deps, batchId, { by: "owner", ownerId: userId }));
  }

  async change(userId: string, batchId: string, change: FlowChange): Promise<FlowAnswer> {
    return flowAnswer(batchId, await changeBatchFlow(this.deps, batchId, change, { by: "owner", ownerId: userId }));
  }

  async cancel(userId: string, batchId: string): Promise<CancelAnswer> {
    const outcome: CancelOutcome = await cancelBatch(this.deps, batchId, { by: "owner", ownerId: userId });
    if (outcome.kind !== "cancelled") throw refusal(batchId, outcome);
    return { batchId, cancelledUploads: outcome.cancelledUploads };
  }
}

function flowAnswer(batchId: string, outcome: FlowOutcome): FlowAnswer {
  if (outcome.kind !== "applied") throw refusal(batchId, outcome);
  return { batchId, paused: outcome.paused, priority: outcome.priority, maxInFlight: outcome.maxInFlight, changed: outcome.changed };
}

function refusal(batchId: string, outcome: Exclude<FlowOutcome | CancelOutcome, { kind: "applied" } | { kind: "cancelled" }>): HttpError {
  if (outcome.kind === "not-found") return new HttpError(404, "not_found", `no batch ${batchId}`);
  return new HttpError(409, "already_final", `batch ${batchId} is already ${outcome.status}: only a pending or processing batch can be changed`);
}
