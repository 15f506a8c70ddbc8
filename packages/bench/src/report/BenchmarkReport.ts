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
  nodeCpuMsPerUpload: number;
  postgresCpuMsPerUpload: number | null;
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
  targets: TargetResult[];
  /** Warnings and errors the handlers logged, and invocations that did not succeed. */
  warnings: string[];
}
