import { inProcessPipeline } from "../support/startTestStack.js";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { freePort, scratchDir, startEmbeddedPostgres, startLocalStack, type EmbeddedPostgresOptions, type LocalStack, type RunningPostgres, type SqsHandler } from "@pipeline/local";
import { wiring } from "@pipeline/wiring";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { batchState, type BatchState } from "@pipeline/testkit";
import { ANY_PORTS } from "../support/startTestStack.js";
import { waitFor } from "../support/waitFor.js";
import { RecordingClient } from "./support/RecordingClient.js";
import { TallyLogger } from "./support/TallyLogger.js";
import { SimulatedUploadProcessor } from "@pipeline/media";

const UPLOADS = 1000;
/** The simulated processing step's latency: the batch takes seconds, so the outage meets it mid-way. */
const PROCESSING_MILLIS = 500;
/** Postgres goes down once this many uploads are counted. */
const STOP_AFTER_PROCESSED = 100;
const OUTAGE_MILLIS = 30_000;
const COMPLETION_TIMEOUT_MILLIS = 120_000;

describe("Postgres down for 30 seconds in the middle of a batch", () => {
  let dir: string | undefined;
  let postgres: RunningPostgres | undefined;
  let stack: LocalStack | undefined;
  const uncaught: unknown[] = [];
  const recordUncaught = (error: unknown) => void uncaught.push(error);

  afterAll(async () => {
    process.off("uncaughtException", recordUncaught);
    await stack?.stop();
    await postgres?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("rides it out: no attempt burnt into a dead-letter queue, nothing lost, the batch completes exact once Postgres is back", async () => {
    // Prepare: the stack on a Postgres of its own, which the test stops and starts again on the same data.
    process.on("uncaughtException", recordUncaught);
    dir = await scratchDir("pipeline-outage-");
    const postgresOptions: EmbeddedPostgresOptions = { dataDir: join(dir, "postgres"), port: await freePort(), extraFlags: ["-c", "fsync=off"] };
    postgres = await startEmbeddedPostgres(postgresOptions);
    await createDatabase(postgres.url(), "pipeline");
    const logger = new TallyLogger();
    stack = await startLocalStack({ dir, ports: ANY_PORTS, databaseUrl: postgres.url("pipeline"), requirePooler: true, processor: new SimulatedUploadProcessor({ latencyMillis: PROCESSING_MILLIS }), logger, runtime: "in-process" });
    const running = stack;
    const deliveries = await watchWorker(running);
    const client = await RecordingClient.connect(running.endpoints.httpUrl, running.endpoints.wsUrl, "outage-user");
    const files = Array.from({ length: UPLOADS }, (_, index) => ({ filename: `outage-${index}.jpg`, type: "image/jpeg", data: Buffer.from(`outage ${index}`) }));
    const { batchId } = await client.api.submit(files);
    const state = () => batchState(running.pipeline.sql, batchId);
    const processedAtStop = (await waitFor(async () => ((await state()).processed >= STOP_AFTER_PROCESSED ? state() : undefined), 60_000, "the batch to be under way")).processed;

    // Act: Postgres is down for 30 s, then back on the same data and port.
    await postgres.stop();
    const outageStarted = Date.now();
    deliveries.startCounting();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MILLIS));
    const duringOutage = deliveries.stopCounting();
    postgres = await startEmbeddedPostgres(postgresOptions);
    const restarted = Date.now();
    const final = await waitFor(async () => {
      const current = await state();
      return current.status === "completed" ? current : undefined;
    }, COMPLETION_TIMEOUT_MILLIS, "the batch to complete after Postgres came back").catch(async (error: unknown) => ({ timedOut: String(error), state: await state() }));
    const completedAfter = (Date.now() - restarted) / 1000;
    await waitFor(() => client.completedAt(batchId) !== undefined, 15_000, "the client's batch.completed").catch(() => undefined);
    client.close();

    const deadLetters = await dlqDepths(running);
    const requeued = logger.count("a dependency was unreachable; message requeued");
    console.log(
      [
        `outage: ${UPLOADS} uploads, ${processedAtStop} counted when Postgres stopped; down ${((restarted - outageStarted) / 1000).toFixed(1)} s`,
        `  worker during the outage: ${duringOutage.invocations} invocations, ${duringOutage.records} records delivered; highest receive count seen in the run ${deliveries.maxReceiveCount}`,
        `  messages requeued (all functions) ${requeued}; requeued too often ${logger.count("requeued too often; the failure now counts as an attempt")}`,
        `  dead letters ${JSON.stringify(deadLetters)}; completed ${completedAfter.toFixed(1)} s after Postgres came back`,
        `  final ${JSON.stringify(final)}`,
      ].join("\n"),
    );

    // Assess: no attempt used up (nothing in a dead-letter queue, no delivery near the queue's limit, no hot loop)...
    expect(uncaught).toEqual([]);
    expect(deadLetters).toEqual({ batches: 0, uploads: 0, progress: 0 });
    expect(deliveries.maxReceiveCount).toBeLessThan(wiring.queues.uploads.maxReceiveCount);
    expect(duringOutage.records).toBeGreaterThan(0);
    expect(duringOutage.records).toBeLessThan(6 * UPLOADS);
    expect(requeued).toBeGreaterThan(0);
    // ...and nothing lost: every upload counted once, the batch finalized once, the client told.
    expect(final).toMatchObject({ status: "completed", total: UPLOADS, processed: UPLOADS, successful: UPLOADS, failed: 0, cancelled: 0 });
    expect((final as BatchState).actual).toMatchObject({ all: UPLOADS, terminal: UPLOADS, completed: UPLOADS });
    expect(logger.finalizations.get(batchId)).toBe(1);
    expect(client.frames.map(({ frame }) => frame).filter((frame) => frame.type === "batch.completed").at(-1)).toMatchObject({ batchId, processed: UPLOADS, successful: UPLOADS });
  }, 240_000);
});

async function createDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
}

/** Wraps the worker's handler to see what it is given: receive counts, and deliveries within a window. */
async function watchWorker(stack: LocalStack) {
  let counting = false;
  const window = { invocations: 0, records: 0 };
  const watch = { maxReceiveCount: 0 };
  const { handlers } = inProcessPipeline(stack);
  const worker: SqsHandler = handlers.worker;
  await stack.pipeline.stopRunners();
  handlers.worker = (event, context) => {
    for (const record of event.Records) watch.maxReceiveCount = Math.max(watch.maxReceiveCount, Number(record.attributes.ApproximateReceiveCount));
    if (counting) {
      window.invocations++;
      window.records += event.Records.length;
    }
    return worker(event, context);
  };
  stack.pipeline.startRunners();
  return {
    get maxReceiveCount() {
      return watch.maxReceiveCount;
    },
    startCounting: () => void (counting = true),
    stopCounting: () => {
      counting = false;
      return { ...window };
    },
  };
}

async function dlqDepths(stack: LocalStack): Promise<Record<"batches" | "uploads" | "progress", number>> {
  const depth = async (url: string) => {
    const { Attributes = {} } = await stack.pipeline.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"] }),
    );
    return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0);
  };
  return {
    batches: await depth(stack.queues.batches.dlqUrl),
    uploads: await depth(stack.queues.uploads.dlqUrl),
    progress: await depth(stack.queues.progress.dlqUrl),
  };
}
