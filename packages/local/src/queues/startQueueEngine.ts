import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { ChangeMessageVisibilityBatchCommand, DeleteQueueCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { deadLetterQueueName, type QueueName, type Wiring } from "@pipeline/wiring";
import type { LocalCredentials } from "../auth/LocalCredentials.js";
import { signedGet } from "../auth/signRequest.js";
import { localSqsClient } from "../pipeline/createPipeline.js";
import { createQueues, type StackQueues } from "./createQueues.js";
import type { QueueEngineAnswer, QueueEngineProcessOptions, QueueEngineQuestion } from "./queueEngineProcess.js";

export interface QueueEngineOptions {
  /** The stack's folder: messages go to `queues/`, objects to `objects/`. */
  dir: string;
  /** 0 picks a free port. */
  port: number;
  wiring: Wiring;
  bucket: string;
  /** The database the queued messages refer to; queue state kept for another one is not trusted. */
  databaseUrl: string;
  /** The stack's key pair: the engine refuses every request not signed with it. */
  credentials: LocalCredentials;
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
  /** The engine's process. */
  pid: number | undefined;
  /** The SQS requests the engine served since it started, by action (benchmarks count them). */
  requestCounts(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

/**
 * fauxqs (SQS and S3) in a process of its own, with its state on disk: every change to a queue is
 * written through to SQLite under `queues/` and every object is a file under `objects/`, so a stop,
 * Ctrl-C or `kill -9` loses no message and no upload. Nothing else runs in its process, so no
 * function, upload or gateway can stall it; the stack talks to it over SQS's and S3's own APIs and
 * fauxqs's inspection endpoint.
 */
export async function startQueueEngine(options: QueueEngineOptions): Promise<QueueEngine> {
  const dataDirs = { queues: join(options.dir, "queues"), objects: join(options.dir, "objects") };
  const ownerFile = join(dataDirs.queues, "database");
  const owner = databaseIdentity(options.databaseUrl);
  const hadQueues = existsSync(join(dataDirs.queues, "fauxqs.db"));
  const restored = hadQueues && existsSync(ownerFile) && (await readFile(ownerFile, "utf8")).trim() === owner;

  const { credentials } = options;
  const engine = await startEngineProcess({ port: options.port, dataDir: dataDirs.queues, s3StorageDir: dataDirs.objects, credentials });
  const endpoint = `http://127.0.0.1:${engine.port}`;
  const sqs = localSqsClient(endpoint, credentials);
  const s3 = new S3Client({ region: "us-east-1", endpoint, forcePathStyle: true, credentials });
  const inspect = (name: string) => inspectQueue(endpoint, credentials, name);
  try {
    if (hadQueues && !restored) await purgeAll(inspect, sqs, options.wiring);
    const queues = await createQueues(sqs, options.wiring);
    await s3.send(new CreateBucketCommand({ Bucket: options.bucket })).catch((error: unknown) => {
      if (!(error instanceof Error && error.name === "BucketAlreadyOwnedByYou")) throw error;
    });
    await mkdir(dataDirs.queues, { recursive: true });
    await writeFile(ownerFile, owner + "\n");
    const released = restored ? await releaseInFlight(inspect, sqs, options.wiring) : 0;
    return { endpoint, queues, restored, released, dataDirs, pid: engine.pid, requestCounts: () => engine.requestCounts(), stop: () => engine.stop() };
  } catch (error) {
    await engine.stop();
    throw error;
  } finally {
    sqs.destroy();
    s3.destroy();
  }
}

interface EngineProcess {
  port: number;
  pid: number | undefined;
  requestCounts(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

/** How long the engine gets to close its database before it is killed. */
const ENGINE_STOP_MILLIS = 5_000;

/** Starts queueEngineProcess.ts (through tsx's loader, as the stack itself runs) and waits for its port. */
async function startEngineProcess(options: QueueEngineProcessOptions): Promise<EngineProcess> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  const child: ChildProcess = fork(new URL("./queueEngineProcess.ts", import.meta.url), [], {
    execArgv: ["--import", tsx],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (message: QueueEngineAnswer) => {
      if (message.type === "started") resolve(message.port);
    });
    child.once("exit", (code, signal) => reject(new Error(`the queue engine exited while starting (${signal ?? `exit code ${code}`})`)));
    const start: QueueEngineQuestion = { type: "start", options };
    child.send(start);
  });
  return {
    port,
    pid: child.pid,
    requestCounts: () =>
      new Promise((resolve, reject) => {
        const onAnswer = (message: QueueEngineAnswer) => {
          if (message.type !== "requests") return;
          child.off("message", onAnswer);
          resolve(message.counts);
        };
        child.on("message", onAnswer);
        const question: QueueEngineQuestion = { type: "requests" };
        if (!child.send(question)) reject(new Error("the queue engine is gone"));
      }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), ENGINE_STOP_MILLIS);
      await exited;
      clearTimeout(killer);
    },
  };
}

interface InspectedQueue {
  url: string;
  messages: { inflight: Array<{ receiptHandle: string }> };
}
type Inspect = (name: string) => Promise<InspectedQueue | undefined>;

/** What fauxqs's inspection endpoint says of a queue: its URL and the receipts of messages in flight. */
async function inspectQueue(endpoint: string, credentials: LocalCredentials, name: string): Promise<InspectedQueue | undefined> {
  const response = await signedGet(`${endpoint}/_fauxqs/queues/${encodeURIComponent(name)}`, credentials, "sqs");
  if (response.status === 404) return undefined;
  if (response.status !== 200) throw new Error(`queue engine: inspecting ${name} answered ${response.status}`);
  return JSON.parse(response.body) as InspectedQueue;
}

function queueNames(wiring: Wiring): string[] {
  return (Object.keys(wiring.queues) as QueueName[]).flatMap((queue) => [queue, deadLetterQueueName(queue)]);
}

/**
 * Whoever held these messages (the runner of the last run) is gone with its process, so nothing
 * will delete them: on AWS they would wait out their visibility timeout (up to 12 minutes here);
 * a local restart hands them out again at once, as a fresh receive (the receive count still grows).
 */
async function releaseInFlight(inspect: Inspect, sqs: SQSClient, wiring: Wiring): Promise<number> {
  let released = 0;
  for (const name of queueNames(wiring)) {
    const queue = await inspect(name);
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
async function purgeAll(inspect: Inspect, sqs: SQSClient, wiring: Wiring): Promise<void> {
  for (const name of queueNames(wiring)) {
    const queue = await inspect(name);
    if (queue) await sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url }));
  }
}

/** Host, port and database name: enough to tell two databases apart, and no credentials. */
function databaseIdentity(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.hostname}:${url.port || "5432"}${url.pathname}`;
}
