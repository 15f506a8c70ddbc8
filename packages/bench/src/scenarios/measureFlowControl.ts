import { issueToken } from "@pipeline/adapters/auth";
import { defaultPriority } from "@pipeline/core";
import { generateImages, PipelineClient, type GeneratedFile } from "@pipeline/local";
import { BENCH_USER, deleteBatches } from "../environment/batches.js";
import { startBenchStack } from "../environment/startBenchStack.js";
import { percentile } from "../measure/percentile.js";
import type { FlowBehind, FlowControl, TimedBatch } from "../report/BenchmarkReport.js";
import { behindOthers, type OtherBatchSpec } from "../runs/behindOthers.js";
import { timedImageBatch } from "../runs/timedImageBatch.js";
import { benchWiring, type BenchmarkSettings } from "../settings.js";
import type { BenchContext } from "./BenchContext.js";

export const FLOW_CONTROL_STACK = "flow control";

/** Other users than the measured batches' owner (BENCH_USER); bench-* rows are removed with DATABASE_URL. */
const BIG_USER = "bench-flow-big";
const bulkUser = (index: number) => `bench-flow-bulk-${index + 1}`;

/**
 * Flow control (issue #17) on the real-image configuration. A small batch through the upload
 * service alone, then submitted `headStartMillis` after another user's big batch (each of
 * `bigSizes`): its completion time and the ratio to alone. Then an interactive batch alone and
 * behind other users' bulk batches. The others' batches are rows pointing at a warm-up batch's
 * stored images (real images all the same), and are cancelled once the measured batch completed:
 * what the worker still processed of them after the cancel is counted from their rows.
 */
export async function measureFlowControl(context: BenchContext, settings: BenchmarkSettings): Promise<FlowControl> {
  const flow = settings.flowControl;
  const images = await distinctImages(Math.max(flow.templateImages, flow.smallUploads, flow.interactiveUploads));
  const wiring = benchWiring(settings);
  const bench = await startBenchStack(context, { name: FLOW_CONTROL_STACK, wiring, latencyMillis: undefined, maxFiles: images.length });
  const written: string[] = [];
  try {
    const { httpUrl, wsUrl } = bench.stack.endpoints;
    const client = new PipelineClient(httpUrl, wsUrl, await issueToken(context.authSecret, BENCH_USER));
    const small = images.slice(0, flow.smallUploads);
    const interactive = images.slice(0, flow.interactiveUploads);

    // The warm-up: every worker container gets invocations (sharp loaded, connections open), and its stored images back the others' batches.
    const template = await timedImageBatch(bench, client, images.slice(0, flow.templateImages));
    const alone: TimedBatch[] = [];
    for (let index = 0; index < flow.aloneRuns; index++) alone.push((await timedImageBatch(bench, client, small)).run);
    const aloneSeconds = percentile(alone.map((run) => run.seconds), 50);
    const common = { headStartMillis: flow.headStartMillis, templateBatchId: template.batchId, maxInFlight: flow.othersMaxInFlight, written };

    const behindBig: FlowBehind[] = [];
    for (const uploads of flow.bigSizes) {
      // The priority the upload service gives a batch submitted without one (bulk above a size), as the issue's user submitted it.
      const others: OtherBatchSpec[] = [{ userId: BIG_USER, uploads, priority: defaultPriority(uploads, wiring.flowControl) }];
      const runs: FlowBehind[] = [];
      for (let run = 0; run < flow.behindRuns; run++) runs.push(await behindOthers(context, bench, client, { ...common, others, files: small, aloneSeconds }));
      behindBig.push(medianRun(runs));
    }

    // The same, with the big batch marked interactive by its submitter: only the windows share the machine.
    const interactiveBig: OtherBatchSpec[] = [{ userId: BIG_USER, uploads: flow.bigSizes[0] ?? 0, priority: "interactive" }];
    const behindInteractiveBig = await behindOthers(context, bench, client, { ...common, others: interactiveBig, files: small, aloneSeconds });

    const { run: interactiveAlone } = await timedImageBatch(bench, client, interactive);
    const bulk: OtherBatchSpec[] = Array.from({ length: flow.bulk.batches }, (_, index) => ({ userId: bulkUser(index), uploads: flow.bulk.uploads, priority: "bulk" }));
    const behindBulk = await behindOthers(context, bench, client, { ...common, others: bulk, files: interactive, aloneSeconds: interactiveAlone.seconds });

    return {
      defaultMaxInFlight: wiring.flowControl.defaultMaxInFlight,
      bulkShareWhileInteractive: wiring.flowControl.bulkShareWhileInteractive,
      headStartMillis: flow.headStartMillis,
      templateImages: flow.templateImages,
      small: { alone, aloneSeconds, behindBig, behindInteractiveBig },
      interactive: { alone: interactiveAlone, behindBulk },
    };
  } finally {
    // The others' rows (30,000 and more) are gone before counter contention measures the database.
    await deleteBatches(context.database.admin, written);
    await bench.stop();
  }
}

/** Distinct generated images under names of their own (at most 500 are generated; a larger batch repeats them). */
async function distinctImages(count: number): Promise<GeneratedFile[]> {
  const distinct = await generateImages(Math.min(count, 500));
  return Array.from({ length: count }, (_, index) => {
    const image = distinct[index % distinct.length] as GeneratedFile;
    return { ...image, filename: `flow-${String(index + 1).padStart(4, "0")}-${image.filename}` };
  });
}

/** The run of median seconds, with every run beside it. */
function medianRun(runs: readonly FlowBehind[]): FlowBehind {
  const sorted = [...runs].sort((a, b) => a.measured.seconds - b.measured.seconds);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!median) throw new Error("no run behind the big batch");
  return { ...median, runs: [...runs] };
}
