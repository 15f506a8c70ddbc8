import { wiring as deployedWiring, type Wiring } from "@pipeline/wiring";

/** How much work each part of the benchmark does. */
export interface BenchmarkSettings {
  mode: "full" | "quick";
  /** The simulated processor's latency in the comparison with the seed. */
  latencyMillis: number;
  /** Uploads of the comparison with the seed (each side gets an identical batch of this size). */
  comparisonUploads: number;
  /**
   * The worker's wiring in the comparison: batch size × max concurrency uploads in processing at once.
   * Every invocation holds its slots through a fixed latency (claim, outcome commit, progress
   * message); 4 × 4 spreads the invocations' round trips over time best. docs/benchmarks.md has the
   * measurements behind this choice.
   */
  comparisonWorker: { batchSize: number; maxConcurrency: number };
  /** Uploads of the overhead run (0 ms processor, the deployed wiring). */
  overheadUploads: number;
  /**
   * The seed port's side of the overhead run. Its loop is sequential, so its per-upload figures do
   * not depend on the batch's size; 1,000 instead of 5,000 saves 36 s of the full run.
   */
  overheadSeedUploads: number;
  /** Batch sizes the fan-out is measured at, smallest first. */
  fanOutSizes: number[];
  counterContention: { writers: number; statementsPerWriter: number; uploadsPerStatement: number };
  completionLatency: { batches: number; uploadsPerBatch: number };
  /**
   * Uploads of the batch each side runs first, so that connections, JIT and SDK loading stay out of
   * the figures; enough for the pipeline to reach its full concurrency (10 x 16 with the deployed wiring).
   */
  warmUpUploads: number;
  /** The seed's loop is sequential: a few uploads warm its connection, JIT and gateway client. */
  seedWarmUpUploads: number;
  /**
   * Generated JPEG and PNG images through the upload service, the real media step and the built-in
   * AI, the deployed wiring: `subscribe` latency while the worker is saturated, the gaps between
   * pushes, and `batch.completed` per connection. A warm-up batch of `warmUpUploads` of the same images first.
   */
  realImages: { uploads: number; warmUpUploads: number; subscribeIntervalMillis: number; probeConnections: number };
  /**
   * The worker's maximum concurrency on the stacks that run the deployed wiring (0 ms and real
   * images); undefined keeps the deployed one. A quick run starts 4 instead of 16 worker
   * containers there: 24 cold starts fewer, which on two cores is most of its time.
   */
  workerMaxConcurrency: number | undefined;
  /** Flow control (issue #17) on the real-image configuration: see `FlowControlSettings`. */
  flowControl: FlowControlSettings;
}

/**
 * How much work the flow-control scenario does. Other users' batches are written as rows pointing
 * at the images of a warm-up batch (`templateImages` through the upload service), so that a batch of
 * 30,000 real images costs no upload; they are cancelled once the measured batch completes.
 */
export interface FlowControlSettings {
  /** The small batch timed alone and behind each big one, through the upload service. */
  smallUploads: number;
  /** Times the small batch runs alone; the median is the baseline of the ratios. */
  aloneRuns: number;
  /** Sizes of another user's batch the small one is submitted behind, of the priority a batch submitted without one gets (core `defaultPriority`). */
  bigSizes: number[];
  /** Times the small batch runs behind each big size; the median run is reported, the baseline's way (one run's ratio moves about as much as the target allows). */
  behindRuns: number;
  /** How long after the other batches' hand-over the measured batch is submitted. */
  headStartMillis: number;
  /** Other users' bulk batches (`priority = 'bulk'`), each of `uploads`, ahead of an interactive batch of `interactiveUploads`. */
  bulk: { batches: number; uploads: number };
  interactiveUploads: number;
  /** The warm-up batch: every worker container gets invocations, and its stored images back the written batches. */
  templateImages: number;
  /**
   * The others' batches' own window (`max_in_flight`); undefined leaves them the stage's default, as
   * the issue measures. A quick run's worker holds 4 x 10 uploads at once, the default window's 40
   * (the functions' bundles carry the default): a smaller one lets a window not kept show in its figures.
   */
  othersMaxInFlight: number | undefined;
}

/** The deployed wiring, with the worker's concurrency of `settings` when it sets one. */
export function benchWiring(settings: BenchmarkSettings): Wiring {
  const wiring = structuredClone(deployedWiring);
  if (settings.workerMaxConcurrency !== undefined) wiring.functions.worker.maxConcurrency = settings.workerMaxConcurrency;
  return wiring;
}

export const DEFAULT_LATENCY_MILLIS = 50;
export const QUICK_LATENCY_MILLIS = 10;

export function fullSettings(latencyMillis = DEFAULT_LATENCY_MILLIS): BenchmarkSettings {
  return {
    mode: "full",
    latencyMillis,
    comparisonUploads: 1_000,
    comparisonWorker: { batchSize: 4, maxConcurrency: 4 },
    overheadUploads: 5_000,
    overheadSeedUploads: 1_000,
    fanOutSizes: [10_000, 100_000],
    counterContention: { writers: 16, statementsPerWriter: 60, uploadsPerStatement: 10 },
    completionLatency: { batches: 20, uploadsPerBatch: 10 },
    warmUpUploads: 320,
    seedWarmUpUploads: 20,
    // The warm-up gives each of the worker's 16 containers an invocation of 10 (sharp loaded, connections open).
    realImages: { uploads: 3_000, warmUpUploads: 160, subscribeIntervalMillis: 100, probeConnections: 4 },
    workerMaxConcurrency: undefined,
    flowControl: {
      smallUploads: 10,
      // 5 each: the finalizer's 1 s batching window alone moves a run by up to 1 s (measured: the
      // alone median 0.64-1.33 s between full runs), as much as the target allows.
      aloneRuns: 5,
      bigSizes: [3_000, 30_000],
      behindRuns: 5,
      headStartMillis: 1_000,
      bulk: { batches: 2, uploads: 1_500 },
      interactiveUploads: 100,
      templateImages: 160,
      othersMaxInFlight: undefined,
    },
  };
}

/** A smoke run: every part once, small enough for the test suite. */
export function quickSettings(latencyMillis = QUICK_LATENCY_MILLIS): BenchmarkSettings {
  return {
    mode: "quick",
    latencyMillis,
    comparisonUploads: 200,
    comparisonWorker: { batchSize: 4, maxConcurrency: 4 },
    overheadUploads: 200,
    overheadSeedUploads: 200,
    fanOutSizes: [200, 2_000],
    counterContention: { writers: 16, statementsPerWriter: 5, uploadsPerStatement: 10 },
    completionLatency: { batches: 3, uploadsPerBatch: 5 },
    warmUpUploads: 8,
    seedWarmUpUploads: 3,
    realImages: { uploads: 40, warmUpUploads: 10, subscribeIntervalMillis: 100, probeConnections: 2 },
    workerMaxConcurrency: 4,
    // Other users' batches are cancelled once the measured one completes: their size costs little.
    flowControl: {
      smallUploads: 10,
      aloneRuns: 1,
      bigSizes: [200, 400],
      behindRuns: 1,
      headStartMillis: 1_000,
      bulk: { batches: 2, uploads: 100 },
      interactiveUploads: 20,
      templateImages: 40,
      othersMaxInFlight: 20,
    },
  };
}
