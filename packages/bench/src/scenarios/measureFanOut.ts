import { fork } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PurgeQueueCommand } from "@aws-sdk/client-sqs";
import { localResourceValues, REPOSITORY_ROOT, writeLinkedSecrets, type LinkVariables } from "@pipeline/local";
import { buildEnvironment, secretResourceNames } from "@pipeline/wiring";
import { deleteBatches, seedBatch } from "../environment/batches.js";
import type { BenchStack } from "../environment/startBenchStack.js";
import { FAN_OUT_CHILD_INPUT, type FanOutChildInput, type FanOutChildResult } from "../fanout/fanOutChildProtocol.js";
import type { FanOutRun } from "../report/BenchmarkReport.js";
import type { BenchmarkSettings } from "../settings.js";
import type { BenchContext } from "./BenchContext.js";

/** A batch larger than a window: every code path runs once before the measured invocations. */
const WARM_UP_UPLOADS = 1_000;
const MB = 1024 * 1024;

const childScript = fileURLToPath(new URL("../fanout/fanOutChild.ts", import.meta.url));
// `--import tsx` resolves from the working directory: the repository root, where node_modules is.

/**
 * The fan-out in isolation, at each batch size: it releases one window whatever the size (and a
 * repeated message, while the window is full, nothing). The deployed handler in a child process of its own
 * (so its RSS is its own), with the V8 limits the Lambda Node.js runtime sets for the function's
 * memory, sending to the stack's queue engine with nothing consuming. Stops the stack's runners;
 * each batch is deleted and the queues purged afterwards.
 */
export async function measureFanOut(context: BenchContext, bench: BenchStack, settings: BenchmarkSettings): Promise<FanOutRun[]> {
  const { admin } = context.database;
  await bench.stopRunners();
  const runs: FanOutRun[] = [];
  for (const uploads of settings.fanOutSizes) {
    await purgeQueues(bench);
    const warmUpBatchId = await seedBatch(admin, WARM_UP_UPLOADS);
    const batchId = await seedBatch(admin, uploads);
    await context.database.settle();
    try {
      const { queues, endpoints } = bench.stack;
      const { peak, live } = await runChild(context, bench, { warmUpBatchId, batchId, batchesQueueArn: queues.batches.arn, uploadsQueueUrl: queues.uploads.url, region: endpoints.region });
      runs.push({
        uploads,
        messagesSent: peak.messagesSent,
        messagesSentAgain: live.messagesSent,
        seconds: peak.seconds,
        messagesPerSecond: peak.messagesSent / peak.seconds,
        baselineRssMb: peak.baselineRssBytes / MB,
        peakRssGrowthMb: (peak.peakRssBytes - peak.baselineRssBytes) / MB,
        peakHeapGrowthMb: (peak.peakHeapBytes - peak.baselineHeapBytes) / MB,
        liveHeapGrowthMb: (live.peakHeapBytes - live.baselineHeapBytes) / MB,
      });
    } finally {
      await purgeQueues(bench);
      await deleteBatches(admin, [warmUpBatchId, batchId]);
    }
  }
  return runs;
}

async function runChild(context: BenchContext, bench: BenchStack, input: FanOutChildInput): Promise<FanOutChildResult> {
  // The database's connection string, linked as the deployment links it: encrypted, the key in the environment.
  const linksDir = await mkdtemp(join(tmpdir(), "pipeline-bench-links-"));
  try {
    const links = writeLinkedSecrets(join(linksDir, "fanout.enc"), { [secretResourceNames.databaseUrl]: { type: "sst.sst.Secret", value: context.database.url } });
    return await forkChild(bench, input, links);
  } finally {
    await rm(linksDir, { recursive: true, force: true });
  }
}

function forkChild(bench: BenchStack, input: FanOutChildInput, links: LinkVariables): Promise<FanOutChildResult> {
  const { endpoints, queues } = bench.stack;
  // The fan-out's contract, valued from this stack as the container runtime values it (the
  // secret, its connection string, comes through the links file instead).
  const valueOf = localResourceValues({ ...endpoints, queues });
  const contract = buildEnvironment("fanout", (variable) => (variable.from === "secret" ? undefined : valueOf(variable)));
  const child = fork(childScript, [], {
    cwd: REPOSITORY_ROOT,
    execArgv: ["--expose-gc", ...lambdaMemoryFlags(bench.wiring.functions.fanout.memoryMb), "--import", "tsx"],
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    env: {
      ...process.env,
      [FAN_OUT_CHILD_INPUT]: JSON.stringify(input),
      // The fan-out Lambda's environment, as the deployment sets it.
      ...links,
      ...contract,
      AWS_REGION: endpoints.region,
      // On AWS the function's role provides credentials; the local engine takes the stack's key pair.
      AWS_ACCESS_KEY_ID: endpoints.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: endpoints.credentials.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: "WARN",
      POWERTOOLS_METRICS_DISABLED: "true",
    },
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    let result: FanOutChildResult | undefined;
    child.on("message", (message) => (result = message as FanOutChildResult));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0 && result) resolve(result);
      else reject(new Error(`fan-out child exited with ${code}:\n${output.slice(-4000)}`));
    });
  });
}

/** What the Lambda Node.js runtime's bootstrap passes to V8 for a function of `memoryMb`. */
function lambdaMemoryFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
}

async function purgeQueues(bench: BenchStack): Promise<void> {
  const { queues, pipeline } = bench.stack;
  for (const queue of [queues.batches, queues.uploads, queues.progress]) {
    await pipeline.sqs.send(new PurgeQueueCommand({ QueueUrl: queue.url }));
  }
}
