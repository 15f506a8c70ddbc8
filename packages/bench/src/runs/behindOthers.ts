import { PostgresBatchControls } from "@pipeline/adapters/postgres";
import { SqsJsonQueue } from "@pipeline/adapters/sqs";
import { cancelBatch, type BatchPriority, type Logger, type ProgressMessage } from "@pipeline/core";
import type { GeneratedFile, PipelineClient } from "@pipeline/local";
import { batchState } from "../environment/batches.js";
import { seedImageBatch } from "../environment/seedImageBatch.js";
import type { BenchStack } from "../environment/startBenchStack.js";
import { cancelledWork } from "../measure/cancelledWork.js";
import { FlowSampler } from "../measure/FlowSampler.js";
import { queueDepth } from "../measure/queueDepth.js";
import type { FlowBehind, OtherBatch, TimedBatch } from "../report/BenchmarkReport.js";
import type { BenchContext } from "../scenarios/BenchContext.js";
import { timedImageBatch } from "./timedImageBatch.js";

export interface OtherBatchSpec {
  userId: string;
  uploads: number;
  priority: BatchPriority;
}

export interface BehindOthersOptions {
  others: readonly OtherBatchSpec[];
  /** The measured batch, submitted by the stack client's owner `headStartMillis` after the others' hand-over. */
  files: readonly GeneratedFile[];
  /** The same batch's seconds alone: the ratio's baseline. */
  aloneSeconds: number;
  headStartMillis: number;
  /** A batch the upload service stored, whose images the others' rows point at. */
  templateBatchId: string;
  /** The others' own window; undefined: the stage's default. */
  maxInFlight: number | undefined;
  /** Each other batch's id is added here as soon as it is written, so that the caller deletes it whatever happens next. */
  written: string[];
}

/** How long the cancelled batches' leftover work may take before the run goes on regardless (with a warning). */
const DRAIN_TIMEOUT_MILLIS = 60_000;
const DRAIN_POLL_MILLIS = 100;
/** The cancel's own log lines say nothing the figures do not. */
const QUIET: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * Other users' batches of real images are handed over, the measured batch is submitted
 * `headStartMillis` later and timed to its completion push, then the others are cancelled (core
 * `cancelBatch`, as `batchctl cancel` does) and the worker is left to finish what it had of them.
 * Their in-flight uploads and the uploads queue are sampled while the measured batch runs.
 */
export async function behindOthers(context: BenchContext, bench: BenchStack, client: PipelineClient, options: BehindOthersOptions): Promise<FlowBehind> {
  const { admin } = context.database;
  const batchIds: string[] = [];
  for (const other of options.others) {
    const batchId = await seedImageBatch(admin, { ...other, maxInFlight: options.maxInFlight, templateBatchId: options.templateBatchId });
    batchIds.push(batchId);
    options.written.push(batchId);
  }
  // Statistics that include the new rows, as autovacuum would have them, before the release statements plan on them.
  await context.database.settle();
  const { sqs } = bench.stack.pipeline;
  const uploadsQueueUrl = bench.stack.queues.uploads.url;

  const sampler = new FlowSampler(admin, sqs, uploadsQueueUrl, batchIds);
  let measured: TimedBatch;
  try {
    for (const batchId of batchIds) await bench.submit(batchId);
    await new Promise((resolve) => setTimeout(resolve, options.headStartMillis));
    ({ run: measured } = await timedImageBatch(bench, client, options.files));
  } catch (error) {
    await sampler.stop().catch(() => {});
    throw error;
  }
  const samples = await sampler.stop();

  const deps = {
    controls: new PostgresBatchControls(bench.stack.pipeline.sql),
    progressQueue: new SqsJsonQueue<ProgressMessage>(sqs, bench.stack.queues.progress.url),
    logger: QUIET,
  };
  const cancelledAt = performance.now();
  for (const batchId of batchIds) {
    const outcome = await cancelBatch(deps, batchId, { by: "operator" });
    if (outcome.kind !== "cancelled") context.warn(`flow control: cancelling another user's batch answered ${outcome.kind}${"status" in outcome ? ` (${outcome.status})` : ""}`);
  }
  const drained = await drainUploads(() => queueDepth(sqs, uploadsQueueUrl));
  const drainSeconds = (performance.now() - cancelledAt) / 1000;
  if (!drained) context.warn(`flow control: the uploads queue still held messages ${DRAIN_TIMEOUT_MILLIS / 1000} s after the cancels`);

  const { defaultMaxInFlight } = bench.wiring.flowControl;
  const others: OtherBatch[] = [];
  for (const [index, batchId] of batchIds.entries()) {
    const spec = options.others[index] as OtherBatchSpec;
    const [work, state, window] = await Promise.all([cancelledWork(admin, batchId), batchState(admin, batchId), windowOf(context, batchId, defaultMaxInFlight)]);
    const peak = samples.batches[index] ?? { processing: 0, inWindow: 0 };
    others.push({
      uploads: spec.uploads,
      priority: spec.priority,
      window,
      peakProcessing: peak.processing,
      peakInWindow: peak.inWindow,
      processedAfterCancel: work.underWay + work.finishedAfter,
      finishedAfterCancel: work.finishedAfter,
      queuedAtCancel: work.queued,
      unfinishedAfterCancel: work.unfinished,
      counted: state.processed,
      total: state.total,
    });
  }
  return {
    measured,
    ratio: measured.seconds / options.aloneSeconds,
    others,
    uploadsQueuePeak: { waiting: samples.queueWaiting, received: samples.queueReceived },
    samples: samples.samples,
    drainSeconds,
  };
}

/** Waits until no upload message is waiting, received or delayed: the worker holds nothing of the cancelled batches. */
async function drainUploads(depth: () => Promise<{ waiting: number; received: number; delayed: number }>): Promise<boolean> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MILLIS;
  while (Date.now() < deadline) {
    const { waiting, received, delayed } = await depth();
    if (waiting + received + delayed === 0) return true;
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MILLIS));
  }
  return false;
}

async function windowOf(context: BenchContext, batchId: string, defaultMaxInFlight: number): Promise<number> {
  const { rows } = await context.database.admin.query<{ max_in_flight: number | null }>("SELECT max_in_flight FROM upload_batches WHERE id = $1", [batchId]);
  return rows[0]?.max_in_flight ?? defaultMaxInFlight;
}
