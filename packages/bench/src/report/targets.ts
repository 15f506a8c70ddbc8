import type { BenchmarkReport, FlowControl, TargetResult } from "./BenchmarkReport.js";

/**
 * How much more live heap the largest fan-out may keep than the smallest before it counts as growing
 * with the batch: a page of ids, the SDK's buffers and sockets in flight differ from sample to sample.
 */
const FAN_OUT_NOISE_MB = 5;

const TARGETS = {
  ratio: 15,
  efficiency: 0.85,
  statementsPerUpload: 1,
  uploadsPerSecond: 1_500,
  fanOutGrowthMb: 50,
  completionP95Millis: 2_000,
  subscribeP95Millis: 200,
  pushGapMillis: 1_500,
  completedPushesPerConnection: 1,
  /** Issue #17: a small batch behind another user's big one takes at most twice its time alone. */
  fairnessRatio: 2,
} as const;

/** Every figure that has a target, with PASS or MISS. */
export function evaluateTargets(report: Omit<BenchmarkReport, "targets">): TargetResult[] {
  const { seedComparison, overhead, fanOut, completionLatency, realImages } = report;
  const smallest = fanOut[0];
  const largest = fanOut[fanOut.length - 1];
  const statements = overhead.pipeline.statementsPerUpload;
  const results: TargetResult[] = [
    atLeast("ratio", "Against the seed", "pipeline uploads/s over the seed port's, to the last commit", seedComparison.ratio, "x", TARGETS.ratio),
    atLeast("efficiency", "Against the seed", "efficiency (ideal time / time to the last commit)", seedComparison.efficiency, "", TARGETS.efficiency),
    atMost("statementsPerUpload", "Overhead", "database statements per upload", statements, "", TARGETS.statementsPerUpload),
    atLeast("uploadsPerSecond", "Overhead", "uploads/s end to end, 0 ms processor", overhead.pipeline.run.endToEndUploadsPerSecond, "uploads/s", TARGETS.uploadsPerSecond),
  ];
  if (smallest && largest) {
    results.push(
      atMost("fanOutGrowth", "Fan-out", `peak RSS growth at ${largest.uploads.toLocaleString("en-US")} uploads`, largest.peakRssGrowthMb, "MB", TARGETS.fanOutGrowthMb),
      atMost(
        "fanOutFlat",
        "Fan-out",
        `live heap growth at ${largest.uploads.toLocaleString("en-US")} over that at ${smallest.uploads.toLocaleString("en-US")}`,
        largest.liveHeapGrowthMb - smallest.liveHeapGrowthMb,
        "MB",
        FAN_OUT_NOISE_MB,
      ),
    );
  }
  results.push(atMost("completionP95", "Completion latency", "p95, last commit to batch.completed", completionLatency.p95Millis, "ms", TARGETS.completionP95Millis));
  const completions = [seedComparison.pipeline.run.completedPushes, overhead.pipeline.run.completedPushes, ...realImages.completedPushesPerConnection];
  results.push(
    atMost("subscribeP95", "Real images", "subscribe reply p95 while the worker is saturated", realImages.subscribe.p95Millis, "ms", TARGETS.subscribeP95Millis),
    atMost("pushGap", "Real images", "longest gap between pushes, from the batch's creation", realImages.pushGaps.longestGapMillis, "ms", TARGETS.pushGapMillis),
    exactly("completedPerConnection", "Pushes", "batch.completed pushes per connection per batch (comparison, overhead, real images)", completions, TARGETS.completedPushesPerConnection),
  );
  results.push(...flowControlTargets(report.flowControl));
  return results;
}

/**
 * Issue #17, per size of the big batch: the small batch behind it within twice its time alone, and
 * the big batch's cancel leaving at most one window of its uploads to be processed.
 */
export function flowControlTargets(flow: FlowControl): TargetResult[] {
  return flow.small.behindBig.flatMap((behind) => {
    const { ratio, others } = behind;
    const big = others[0];
    if (!big) return [];
    const size = big.uploads.toLocaleString("en-US");
    // The cancel's bound holds in every run, not only the median one.
    const processedAfterCancel = Math.max(...(behind.runs ?? [behind]).map((run) => run.others[0]?.processedAfterCancel ?? 0));
    return [
      atMost(`fairnessAt${big.uploads}`, "Flow control", `small batch behind another user's ${size}: completion time over alone`, ratio, "x", TARGETS.fairnessRatio),
      atMost(`cancelAt${big.uploads}`, "Flow control", `uploads of the cancelled ${size} processed after its cancel in its worst run (at most its window)`, processedAfterCancel, "uploads", big.window),
    ];
  });
}

function atLeast(id: string, section: string, figure: string, value: number | null, unit: string, bound: number): TargetResult {
  return { id, section, figure, value, unit, target: `>= ${bound}`, pass: value !== null && value >= bound };
}

/** Every one of `values` must equal `expected`; the value shown is the one furthest from it. */
function exactly(id: string, section: string, figure: string, values: readonly number[], expected: number): TargetResult {
  const furthest = values.reduce<number | null>((worst, value) => (worst === null || Math.abs(value - expected) > Math.abs(worst - expected) ? value : worst), null);
  return { id, section, figure, value: furthest, unit: "", target: `= ${expected}`, pass: values.length > 0 && values.every((value) => value === expected) };
}

function atMost(id: string, section: string, figure: string, value: number | null, unit: string, bound: number): TargetResult {
  return { id, section, figure, value, unit, target: `<= ${bound}`, pass: value !== null && value <= bound };
}
