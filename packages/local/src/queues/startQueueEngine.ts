import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ChangeMessageVisibilityBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { deadLetterQueueName, type QueueName, type Wiring } from "@pipeline/wiring";
import { startFauxqs } from "fauxqs";
import { localSqsClient } from "../pipeline/createPipeline.js";
import { createQueues, type StackQueues } from "./createQueues.js";

export interface QueueEngineOptions {
  /** The stack's folder: messages go to `queues/`, objects to `objects/`. */
  dir: string;
  /** 0 picks a free port. */
  port: number;
  wiring: Wiring;
  bucket: string;
  /** The database the queued messages refer to; queue state kept for another one is not trusted. */
  databaseUrl: string;
}

export interface QueueEngine {
  endpoint: string;
  queues: StackQueues;
  /**
   * The queues came back from disk and belong to this database. When false the messages of any
   * earlier run are gone, and whatever the database says is unfinished must be enqueued again.
   */
  restored: boolean;
  /** Messages a previous run had received and not settled, made visible again at start. */
  released: number;
  dataDirs: { queues: string; objects: string };
  stop(): Promise<void>;
}

/**
 * fauxqs (SQS and S3) with its state on disk: every change to a queue is written through to SQLite
 * under `queues/` and every object is a file under `objects/`, so a stop, Ctrl-C or `kill -9` loses
 * no message and no upload.
 */
export async function startQueueEngine(options: QueueEngineOptions): Promise<QueueEngine> {
  const dataDirs = { queues: join(options.dir, "queues"), objects: join(options.dir, "objects") };
  const ownerFile = join(dataDirs.queues, "database");
  const owner = databaseIdentity(options.databaseUrl);
  const hadQueues = existsSync(join(dataDirs.queues, "fauxqs.db"));
  const restored = hadQueues && existsSync(ownerFile) && (await readFile(ownerFile, "utf8")).trim() === owner;

  const engine = await startFauxqs({ port: options.port, logger: false, dataDir: dataDirs.queues, s3StorageDir: dataDirs.objects });
  const endpoint = `http://127.0.0.1:${engine.port}`;
  const sqs = localSqsClient(endpoint);
  try {
    if (hadQueues && !restored) await purgeAll(engine, options.wiring);
    const queues = await createQueues(sqs, options.wiring);
    engine.createBucket(options.bucket);
    await mkdir(dataDirs.queues, { recursive: true });
    await writeFile(ownerFile, owner + "\n");
    const released = restored ? await releaseInFlight(engine, sqs, options.wiring) : 0;
    return { endpoint, queues, restored, released, dataDirs, stop: () => engine.stop() };
  } catch (error) {
    await engine.stop();
    throw error;
  } finally {
    sqs.destroy();
  }
}

type Engine = Awaited<ReturnType<typeof startFauxqs>>;

function queueNames(wiring: Wiring): string[] {
  return (Object.keys(wiring.queues) as QueueName[]).flatMap((queue) => [queue, deadLetterQueueName(queue)]);
}

/**
 * Whoever held these messages (the runner of the last run) is gone with its process, so nothing
 * will delete them: on AWS they would wait out their visibility timeout (up to 12 minutes here);
 * a local restart hands them out again at once, as a fresh receive (the receive count still grows).
 */
async function releaseInFlight(engine: Engine, sqs: SQSClient, wiring: Wiring): Promise<number> {
  let released = 0;
  for (const name of queueNames(wiring)) {
    const queue = engine.inspectQueue(name);
    if (!queue) continue;
    const handles = queue.messages.inflight.map((entry) => entry.receiptHandle);
    for (let start = 0; start < handles.length; start += 10) {
      const chunk = handles.slice(start, start + 10);
      const result = await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queue.url,
          Entries: chunk.map((receiptHandle, index) => ({ Id: String(index), ReceiptHandle: receiptHandle, VisibilityTimeout: 0 })),
        }),
      );
      released += result.Successful?.length ?? 0;
    }
  }
  return released;
}

/** Queue state kept for another database refers to batches this one does not have. */
async function purgeAll(engine: Engine, wiring: Wiring): Promise<void> {
  for (const name of queueNames(wiring)) if (engine.inspectQueue(name)) engine.deleteQueue(name);
}

/** Host, port and database name: enough to tell two databases apart, and no credentials. */
function databaseIdentity(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.hostname}:${url.port || "5432"}${url.pathname}`;
}
