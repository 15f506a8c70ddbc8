import type { BatchPriority } from "@pipeline/core";
import type { ColdStart } from "@pipeline/local";
import type { StatementCount } from "../measure/StatementCounter.js";
import type { BatchRun } from "../runs/batchRun.js";
import type { BenchmarkSettings } from "../settings.js";

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  /** Which Postgres, and how it runs (embedded with default durability, or DATABASE_URL). */
  postgres: string;
  platform: string;
  /** The machine is shared: its 1-minute load average before the benchmark started. */
  loadAverageAtStart: number;
}

export interface SeedRun extends BatchRun {
  /** Upload rows the seed's progress monitor re-read. */
  monitorReads: number;
  /** Time the sequential loop spent waiting for its pushes. */
  pushSeconds: number;
}

export interface SeedComparison {
  uploads: number;
  latencyMillis: number;
  /** The pipeline worker's wiring: batch size × max concurrency uploads in processing at once. */
  worker: { batchSize: number; maxConcurrency: number };
  /** N × latency / (uploads in processing at once). */
  idealSeconds: number;
  pipeline: RunCosts;
  seed: RunCosts<SeedRun>;
  /** Pipeline uploads/s over the seed port's, both to the last upload's commit. */
  ratio: number;
  /** Ideal time over the pipeline's time to the last upload's commit. */
  efficiency: number;
  /** The same, to the client hearing the batch completed: adds the finalizer's batching window, once per batch. */
  endToEnd: { ratio: number; efficiency: number };
}

export interface RunCosts<R extends BatchRun = BatchRun> {
  run: R;
  /** The stack's own process: pollers, fauxqs, the gateway, the Postgres WebSocket proxy, the upload service, the containers' logs. */
  nodeCpuMsPerUpload: number;
  /** Every function container's process. */
  containerCpuMsPerUpload: number;
  containerCpuMsPerUploadByFunction: Record<string, number>;
  /** Containers that ended during the run: their CPU is missing from the figure (none when the run is warm). */
  containersGone: number;
  postgresCpuMsPerUpload: number | null;
  /** The stack's PgBouncer; null when the functions connect direct. */
  poolerCpuMsPerUpload: number | null;
  statementsPerUpload: number | null;
  /** The most frequent statements of the run. */
  topStatements: StatementCount["top"];
  sqsRequestsPerUpload: number;
  sqsRequests: Record<string, number>;
  /** What other processes on this shared machine used during the run, % of all cores. */
  otherProcessesCpuPercent: number;
}

export interface Overhead {
  uploads: number;
  /** How statements were counted, or why they were not. */
  statementCounting: string;
  pipeline: RunCosts;
  /** The seed port uses no queue: its SQS figures are zero by construction. */
  seed: RunCosts<SeedRun>;
}

export interface FanOutRun {
  uploads: number;
  /** Messages the measured invocation put on the uploads queue. */
  messagesSent: number;
  /** Messages the second invocation (sampling live memory) put there: the same uploads, re-sent. */
  messagesSentAgain: number;
  seconds: number;
  messagesPerSecond: number;
  baselineRssMb: number;
  /** Peak RSS during the invocation, over the RSS before it (after a warm-up and a full GC). */
  peakRssGrowthMb: number;
  peakHeapGrowthMb: number;
  /** Peak heap after a full GC, over the same before the invocation: what the fan-out keeps alive. */
  liveHeapGrowthMb: number;
}

export interface CounterContentionRun {
  uploads: number;
  statements: number;
  seconds: number;
  uploadsPerSecond: number;
  statementsPerSecond: number;
  /** The batch's processed counter afterwards: equal to `uploads` when nothing was lost or doubled. */
  counted: number;
}

export interface CounterContention {
  writers: number;
  /** The seed's increment_progress: one UPDATE of the batch row per upload. */
  perUpload: CounterContentionRun;
  /** The seed's update_analysis of the upload row, then its increment: the work recordOutcomes does in one statement. */
  perUploadWithRow: CounterContentionRun;
  /** The worker's recordOutcomes: uploads and counters in one statement per `uploadsPerStatement` uploads. */
  aggregated: CounterContentionRun & { uploadsPerStatement: number };
  /** Aggregated uploads/s over per-upload increments' uploads/s. */
  speedup: number;
  /** Aggregated uploads/s over the seed's row update and increment per upload. */
  speedupOverRowAndCounter: number;
}

export interface CompletionLatency {
  batches: number;
  uploadsPerBatch: number;
  /** From each batch's last upload commit to the client receiving `batch.completed`. */
  samplesMillis: number[];
  p50Millis: number;
  p95Millis: number;
  maxMillis: number;
  /** The finalizer's batching window in the wiring, which bounds this latency from below. */
  finalizerWindowSeconds: number;
}

export interface SubscribeLatency {
  intervalMillis: number;
  /** The probe's own connections, each with at most one request awaiting its reply. */
  connections: number;
  sent: number;
  answered: number;
  /** No reply within 10 s. */
  unanswered: number;
  /** Ticks that found every connection waiting for a reply, so sent nothing. */
  skippedTicks: number;
  p50Millis: number | null;
  p95Millis: number | null;
  maxMillis: number | null;
}

export interface PushGaps {
  /** Pushes the owner's first connection received for the batch. */
  pushes: number;
  /** From the batch's creation to its first push. */
  firstPushMillis: number | null;
  /** The longest time without a push, from the batch's creation to its `batch.completed`. */
  longestGapMillis: number | null;
}

export interface RealImages {
  uploads: number;
  /** A batch of the same images first, so that the measured one finds every container warm. */
  warmUpUploads: number;
  meanFileBytes: number;
  /** The upload service taking the files: from the request to its answer. */
  submitSeconds: number;
  /** The batch from its creation (`created_at`): throughput, CPU, statements and SQS requests. */
  costs: RunCosts;
  /** `subscribe` replies while the worker processes the batch. */
  subscribe: SubscribeLatency;
  pushGaps: PushGaps;
  /** `batch.completed` pushes each of the owner's connections received for the batch. */
  completedPushesPerConnection: number[];
}

/** A batch of real images timed from the upload service's request to its owner's `batch.completed` push. */
export interface TimedBatch {
  uploads: number;
  seconds: number;
  /** From the request to its last upload's commit: the processing, without the finalizer's batching window (up to 1 s) that `seconds` also holds. */
  secondsToLastCommit: number;
  /** The batch's processed counter afterwards, and its terminal uploads: `uploads` each. */
  counted: number;
  terminal: number;
  /** `batch.completed` pushes its owner's connection received. */
  completedPushes: number;
}

/** Another user's batch a measured batch ran behind, written as rows of real images, cancelled after. */
export interface OtherBatch {
  uploads: number;
  priority: BatchPriority;
  /** Its window: its own `max_in_flight`, else the wiring's default. */
  window: number;
  /** Sampled while the measured batch ran: most uploads in processing, and in its window (released, unfinished, not held). */
  peakProcessing: number;
  peakInWindow: number;
  /**
   * Uploads processed after the cancel: those the worker was still processing when it committed
   * (cancelled with `attempts > 0`: claimed, not finished; their processing ran on and its outcome
   * was discarded), plus any completed or failed by a statement that began after it
   * (`finishedAfterCancel`). The claim refuses every other upload of the batch from then on.
   */
  processedAfterCancel: number;
  /** Of those, completed or failed after the cancel (`updated_at >=` the cancel's `completed_at`): 0 while the cancel marks in-flight uploads cancelled. */
  finishedAfterCancel: number;
  /** Released and not started when the cancel committed (`attempts = 0`, up to the cursor, not held): messages the claim refuses. */
  queuedAtCancel: number;
  /** Uploads not terminal once the worker is idle again: 0 when no upload of a cancelled batch starts. */
  unfinishedAfterCancel: number;
  /** Its processed counter and total after the cancel: equal when every upload is counted once. */
  counted: number;
  total: number;
}

/** A measured batch submitted `headStartMillis` after other users' batches. */
export interface FlowBehind {
  measured: TimedBatch;
  /** Its seconds over the same batch's alone. */
  ratio: number;
  /** Where the measurement was repeated and this is its median run: every run, in run order (their invariants and cancels are checked too). */
  runs?: FlowBehind[];
  others: OtherBatch[];
  /** Sampled while the measured batch ran: the uploads queue's most messages waiting, and received at once. */
  uploadsQueuePeak: { waiting: number; received: number };
  samples: number;
  /** From the cancels to the uploads queue being empty: the cancelled batches' leftover work. */
  drainSeconds: number;
}

export interface FlowControl {
  /** The wiring's `flowControl`: the default window, and a bulk batch's share of its window while an interactive batch runs. */
  defaultMaxInFlight: number;
  bulkShareWhileInteractive: number;
  headStartMillis: number;
  /** The warm-up batch, through the upload service; the others' batches point at its stored images. */
  templateImages: number;
  small: {
    alone: TimedBatch[];
    /** The median of `alone`: the baseline of the ratios. */
    aloneSeconds: number;
    /** Behind another user's big batch (default priority and window), one per size. */
    behindBig: FlowBehind[];
    /** Behind the smallest big batch marked interactive by its submitter: what the default's bulk priority saves. */
    behindInteractiveBig: FlowBehind;
  };
  interactive: {
    alone: TimedBatch;
    /** Behind other users' bulk batches. */
    behindBulk: FlowBehind;
  };
}

/** One stack's containers, as recorded when it stopped. */
export interface StackContainers {
  stack: string;
  coldStarts: ColdStart[];
  peakMemory: Array<{ functionName: string; id: string; peakMemoryMb: number | undefined }>;
}

export interface FunctionContainerFigures {
  functionName: string;
  memorySizeMb: number;
  coldStarts: number;
  /** Each stack's first cold start of the function (the benchmark starts it with nothing else starting), the median over the stacks. */
  firstInitMillis: number | null;
  initP50Millis: number | null;
  initMaxMillis: number | null;
  /** Containers of the memory stack whose peak RSS (VmHWM, Lambda's "Max Memory Used") was read. */
  containers: number;
  peakMemoryP50Mb: number | null;
  peakMemoryMaxMb: number | null;
}

export interface ContainerFigures {
  /** The stack the memory figures come from: the deployed configuration with the real media step. */
  memoryStack: string;
  functions: FunctionContainerFigures[];
  stacks: StackContainers[];
}

export interface TargetResult {
  id: string;
  section: string;
  figure: string;
  value: number | null;
  unit: string;
  /** e.g. ">= 12" */
  target: string;
  pass: boolean;
}

export interface BenchmarkReport {
  mode: BenchmarkSettings["mode"];
  startedAt: string;
  durationSeconds: number;
  machine: Machine;
  settings: BenchmarkSettings;
  seedComparison: SeedComparison;
  overhead: Overhead;
  fanOut: FanOutRun[];
  counterContention: CounterContention;
  completionLatency: CompletionLatency;
  realImages: RealImages;
  flowControl: FlowControl;
  containers: ContainerFigures;
  targets: TargetResult[];
  /** Warnings and errors the handlers logged, and invocations that did not succeed. */
  warnings: string[];
}
