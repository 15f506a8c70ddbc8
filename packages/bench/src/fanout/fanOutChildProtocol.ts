/**
 * How the fan-out child samples memory while a measured invocation runs:
 * - `peak`: RSS and heap every few milliseconds, untouched: what the process really used, GC's
 *   own pace included (V8 lets the heap grow for seconds before a full collection).
 * - `live`: a full GC before each sample, a few times a second: what the fan-out keeps alive,
 *   whatever the GC's pace. Memory that grows with the batch shows here.
 */
export type MemorySampling = "peak" | "live";

/** What the parent hands the fan-out child, as JSON in the FAN_OUT_CHILD_INPUT variable. */
export interface FanOutChildInput {
  warmUpBatchId: string;
  batchId: string;
  batchesQueueArn: string;
  uploadsQueueUrl: string;
  region: string;
}

/** One invocation of the fan-out on the measured batch. */
export interface FanOutMeasurement {
  seconds: number;
  /** Growth of the uploads queue during the invocation: nothing else sends to it or consumes from it. */
  messagesSent: number;
  baselineRssBytes: number;
  peakRssBytes: number;
  baselineHeapBytes: number;
  peakHeapBytes: number;
}

/** What the child reports over IPC: the measured batch fanned out twice, once per way of sampling. */
export type FanOutChildResult = Record<MemorySampling, FanOutMeasurement>;

export const FAN_OUT_CHILD_INPUT = "BENCH_FAN_OUT_INPUT";
