import { extname } from "node:path";
import { issueToken } from "@pipeline/adapters/auth";
import { generateImages, PipelineClient, type GeneratedFile } from "@pipeline/local";
import { webSocketFunctions } from "@pipeline/wiring";
import { batchCreatedAt, BENCH_USER, deleteBatches, seedBatch } from "../environment/batches.js";
import { startBenchStack, type BenchStack } from "../environment/startBenchStack.js";
import { CostMeter } from "../measure/CostMeter.js";
import { pushGaps } from "../measure/pushGaps.js";
import { SubscribeProbe } from "../measure/SubscribeProbe.js";
import type { RealImages } from "../report/BenchmarkReport.js";
import { describeRun } from "../runs/batchRun.js";
import { metered, perUpload } from "../runs/metered.js";
import { benchWiring, type BenchmarkSettings } from "../settings.js";
import type { BenchContext } from "./BenchContext.js";

export const REAL_IMAGES_STACK = "real images";

/** Distinct images generated (sharp, in this process); a larger batch repeats them under names of their own. */
const DISTINCT_IMAGES = 500;
/** Generous: a stuck run fails with a clear message instead of hanging the benchmark. */
const COMPLETION_TIMEOUT_MILLIS = 120_000;
const COMPLETION_TIMEOUT_PER_UPLOAD_MILLIS = 100;
const DISCONNECT_WAIT_MILLIS = 5_000;
/** The finalizer's COMMIT and the runner's deletes follow the completion push: they belong to the run. */
const TRAILING_WORK_MILLIS = 300;

/**
 * A batch of generated images through the upload service, processed by the deployed worker (the
 * media step and the built-in AI), watched as a browser watches it: the owner's connections count
 * the pushes (their gaps, `batch.completed` on each) while a probe of its own sends `subscribe`
 * every `subscribeIntervalMillis` and times the replies. A warm-up batch of the same images runs first.
 */
export async function measureRealImages(context: BenchContext, settings: BenchmarkSettings): Promise<RealImages> {
  const { uploads, warmUpUploads, subscribeIntervalMillis, probeConnections } = settings.realImages;
  const files = await imagesFor(uploads);
  const bench = await startBenchStack(context, { name: REAL_IMAGES_STACK, wiring: benchWiring(settings), latencyMillis: undefined, maxFiles: uploads });
  const { wsUrl, httpUrl } = bench.stack.endpoints;
  const probe = await SubscribeProbe.connect({ wsUrl, authSecret: context.authSecret, userId: BENCH_USER, intervalMillis: subscribeIntervalMillis, connections: probeConnections });
  try {
    const client = new PipelineClient(httpUrl, wsUrl, await issueToken(context.authSecret, BENCH_USER));
    await startMessageFunction(context, probe);
    await runImages(bench, client, probe, files.slice(0, warmUpUploads));

    const window = metered(context, new CostMeter(context.database, bench.sqsRequests, bench.containers, bench.stack.queueEngine.pid));
    await window.start();
    const { batchId, submitSeconds, completedAt } = await runImages(bench, client, probe, files);
    await new Promise((resolve) => setTimeout(resolve, TRAILING_WORK_MILLIS));
    await window.stop();
    const subscribe = probe.latency();
    await closeProbe(bench, probe);

    const { admin } = context.database;
    const createdAt = await batchCreatedAt(admin, batchId);
    const run = await describeRun(admin, bench.client, batchId, uploads, { startedAt: createdAt, completedAt });
    return {
      uploads,
      warmUpUploads,
      meanFileBytes: files.reduce((sum, file) => sum + file.data.length, 0) / files.length,
      submitSeconds,
      costs: perUpload(run, window.costs()),
      subscribe,
      pushGaps: pushGaps(createdAt, bench.client.arrivalsFor(batchId)),
      completedPushesPerConnection: [bench.client, ...probe.recorders].map((recorder) => recorder.completionsFor(batchId)),
    };
  } finally {
    probe.close();
    await bench.stop();
  }
}

/** `count` generated JPEG and PNG images; each upload is stored and processed on its own, whatever its bytes. */
async function imagesFor(count: number): Promise<GeneratedFile[]> {
  const distinct = await generateImages(Math.min(count, DISTINCT_IMAGES));
  return Array.from({ length: count }, (_, index) => {
    const image = distinct[index % distinct.length] as GeneratedFile;
    return { ...image, filename: `image-${String(index + 1).padStart(5, "0")}${extname(image.filename)}` };
  });
}

/** Submits the files as one batch and probes `subscribe` until its owner's client hears it completed. */
async function runImages(bench: BenchStack, client: PipelineClient, probe: SubscribeProbe, files: readonly GeneratedFile[]) {
  const submitStarted = performance.now();
  const { batchId } = await client.submit(files);
  const submitSeconds = (performance.now() - submitStarted) / 1000;
  probe.start(batchId);
  try {
    const { receivedAt } = await bench.client.completion(batchId, COMPLETION_TIMEOUT_MILLIS + files.length * COMPLETION_TIMEOUT_PER_UPLOAD_MILLIS);
    return { batchId, submitSeconds, completedAt: receivedAt };
  } finally {
    probe.stop();
  }
}

/**
 * Closes the probe's connections and waits (a few seconds at most) until the `$disconnect` route's
 * function has a container, so that its cold start is recorded before the stack stops.
 */
async function closeProbe(bench: BenchStack, probe: SubscribeProbe): Promise<void> {
  const disconnect = webSocketFunctions(bench.wiring).find((fn) => fn.trigger.kind === "webSocket" && fn.trigger.routes.includes("$disconnect"));
  probe.close();
  const deadline = Date.now() + DISCONNECT_WAIT_MILLIS;
  const started = () => bench.containers.list().some((container) => container.functionName === disconnect?.name);
  while (!started() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** The WebSocket message function's first container, started by one `subscribe` with nothing else running (a batch of one upload, written for it and removed). */
async function startMessageFunction(context: BenchContext, probe: SubscribeProbe): Promise<void> {
  const { admin } = context.database;
  const batchId = await seedBatch(admin, 1);
  try {
    await probe.subscribeOnce(batchId);
  } finally {
    await deleteBatches(admin, [batchId]);
  }
}
