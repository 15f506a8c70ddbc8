import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { JwtTokenVerifier } from "@pipeline/adapters/auth";
import { PostgresBatchReader, PostgresBatchRepository } from "@pipeline/adapters/postgres";
import type { HandlerLogger } from "@pipeline/adapters/powertools";
import { SqsJsonQueue } from "@pipeline/adapters/sqs";
import { errorMessage, resumeUnfinishedBatches, type UploadProcessor } from "@pipeline/core";
import { migrate } from "@pipeline/db";
import { wiring as deployedWiring, type VariableName, type Wiring } from "@pipeline/wiring";
import pg from "pg";
import { loadOrCreateCredentials } from "../auth/LocalCredentials.js";
import { startManagementServer } from "../gateway/startManagementServer.js";
import { WebSocketGateway } from "../gateway/WebSocketGateway.js";
import { buildFunctions, type BuiltFunctions } from "../lambda/buildFunctions.js";
import type { ColdStart, ContainerLogLine } from "../lambda/ContainerPool.js";
import { containerLogPrinter } from "../lambda/printContainerLog.js";
import type { FunctionContainers } from "../lambda/FunctionContainers.js";
import { createContainerPipeline } from "../pipeline/createContainerPipeline.js";
import { createPipeline, type InProcessPipeline } from "../pipeline/createPipeline.js";
import type { Pipeline } from "../pipeline/Pipeline.js";
import { startEmbeddedPostgres, type RunningPostgres } from "../postgres/startEmbeddedPostgres.js";
import { startPooledDatabase } from "../postgres/pooledDatabase.js";
import { startWebSocketProxy, type WebSocketProxy } from "../postgres/startWebSocketProxy.js";
import type { LocalResources, StageSecrets } from "../pipeline/localResourceValues.js";
import type { StackQueues } from "../queues/createQueues.js";
import { startQueueEngine, type QueueEngine } from "../queues/startQueueEngine.js";
import type { InvocationReport } from "../runner/QueueFunctionRunner.js";
import { createUploadService } from "../uploadService/createUploadService.js";
import type { UploadLimits } from "../uploadService/uploadLimits.js";
import { assertPortFree } from "./ports.js";
import type { StackFile } from "@pipeline/wiring/stackFile";

export interface LocalStackPorts {
  http: number;
  gateway: number;
  /** The WebSocket management API (`/@connections`), apart from the clients' port; 0 or unset picks a free port. */
  management?: number;
  sqs: number;
  postgres: number;
  pgProxy: number;
  /** The stack's own pgbouncer (the functions' pooled path); 0 or unset picks a free port. */
  pooler?: number;
}

export interface LocalStackOptions {
  /**
   * Where the stack keeps its state (`.local`): Postgres data and its password, queued messages,
   * stored objects, the auth secret, the engines' key pair and stack.json (mode 600). A second start on the same folder goes on where the first stopped.
   */
  dir: string;
  /** 0 picks a free port. */
  ports: LocalStackPorts;
  /** Use this Postgres instead of starting the embedded one. */
  databaseUrl?: string | undefined;
  /** The functions' pooled endpoint when one already runs (the test suite's pgbouncer). */
  pooledDatabaseUrl?: string | undefined;
  /** Fail when pgbouncer is missing instead of connecting the functions direct (tests). */
  requirePooler?: boolean;
  authSecret?: string | undefined;
  /** The stage's other secrets, set on the functions as `stacks/` sets them (e.g. the worker's AI server). */
  secrets?: StageSecrets;
  /** The stage's non-secret settings, as `stacks/` deploys them (e.g. AUTH_MODE=jwks with its identity provider). */
  stageSettings?: LocalResources["stageSettings"];
  wiring?: Wiring;
  bucket?: string;
  /**
   * How the functions run: `containers` (the default) runs each deployed bundle in containers of
   * its own, as Lambda does; `in-process` calls the handlers in this process, for tests that inject
   * a processor or a logger.
   */
  runtime?: "containers" | "in-process";
  /** Bundles built already (the test suite builds them once); built into `dir`/functions otherwise. */
  built?: BuiltFunctions;
  /** Tuning variables set on the functions, as an operator sets them on a stage. */
  tuning?: Partial<Record<VariableName, string>>;
  /** An idle container is stopped after this long (default 60 s). */
  idleRetireSeconds?: number;
  /** Run the worker's containers at a lower CPU priority than the rest (default true). */
  niceBackground?: boolean;
  /** The containers' log lines; their warnings and the runtime's lines are printed when not given. */
  containerLog?: (line: ContainerLogLine) => void;
  onColdStart?: (coldStart: ColdStart) => void;
  /** In-process only: the worker's processing step; the real media step when not given. */
  processor?: UploadProcessor;
  /** In-process only: one logger for every handler. */
  logger?: HandlerLogger;
  /** What one upload request may hold (`DEFAULT_UPLOAD_LIMITS`; a file's size follows the wiring's `worker.maxUploadBytes`). */
  uploadLimits?: Partial<UploadLimits>;
  onInvocation?: (report: InvocationReport) => void;
  /** Serves the dashboard's static files at `/` when given. */
  staticHandler?: (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;
  log?: (message: string) => void;
}

export interface LocalStack {
  endpoints: StackFile;
  pipeline: Pipeline;
  /** The functions' containers; undefined when the handlers run in-process. */
  containers: FunctionContainers | undefined;
  /** The handlers, when they run in-process (`runtime: "in-process"`). */
  inProcess: InProcessPipeline | undefined;
  /** The SQS/S3 engine's process. */
  queueEngine: Pick<QueueEngine, "pid" | "requestCounts">;
  queues: StackQueues;
  /** Stops everything, Postgres last and cleanly; in-flight invocations get `graceMillis`. */
  stop(graceMillis?: number): Promise<void>;
}

const DATABASE = "pipeline";

/**
 * The whole system on one machine: embedded Postgres (or DATABASE_URL) behind the WebSocket proxy
 * the Neon driver needs, fauxqs for SQS and S3 with the queues from the wiring, the Lambda runner
 * polling them with each deployed function's bundle in containers of its own (or the handlers
 * in-process, for tests that inject doubles), the WebSocket gateway, and the upload service.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? (() => {});
  const wiring = options.wiring ?? deployedWiring;
  const bucket = options.bucket ?? "media";
  const { ports } = options;
  const runtime = options.runtime ?? "containers";
  if (runtime === "containers" && (options.processor || options.logger)) {
    throw new Error("a processor or logger object can only be injected into in-process handlers: pass runtime: \"in-process\", or configure the containers (tuning, containerLog)");
  }
  await mkdir(options.dir, { recursive: true });
  await assertPortFree(ports.http, "upload service and dashboard", "PORT");
  await assertPortFree(ports.gateway, "WebSocket gateway", "WS_PORT");
  await assertPortFree(ports.management ?? 0, "WebSocket management API", "WS_MANAGEMENT_PORT");
  await assertPortFree(ports.sqs, "SQS and S3 engine", "SQS_PORT");
  await assertPortFree(ports.pgProxy, "Postgres WebSocket proxy", "PG_PROXY_PORT");

  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => log(`stop failed: ${errorMessage(error)}`));
  };
  try {
    const authSecret = options.authSecret ?? (await loadOrCreateSecret(join(options.dir, "auth-secret")));
    // The key pair every SQS, S3 and management call must be signed with, as IAM's on AWS.
    const credentials = await loadOrCreateCredentials(join(options.dir, "aws-credentials.json"));

    let databaseUrl = options.databaseUrl;
    if (!databaseUrl) {
      await assertPortFree(ports.postgres, "embedded Postgres", "PG_PORT");
      const postgres: RunningPostgres = await startEmbeddedPostgres({ dataDir: join(options.dir, "postgres"), port: ports.postgres, log: () => {} });
      stops.push(() => postgres.stop());
      await ensureDatabase(postgres.url(), DATABASE);
      databaseUrl = postgres.url(DATABASE);
      log(`postgres   embedded, data in ${join(options.dir, "postgres")}`);
    }
    await migrate({ databaseUrl });
    const pooled = await startPooledDatabase({
      dir: join(options.dir, "pgbouncer"),
      port: ports.pooler ?? 0,
      directUrl: databaseUrl,
      pooledUrl: options.pooledDatabaseUrl,
      required: options.requirePooler ?? false,
    });
    stops.push(() => pooled.stop());
    log(pooled.summary);

    const proxy: WebSocketProxy = await startWebSocketProxy({ port: ports.pgProxy, databases: [databaseUrl, pooled.url] });
    stops.push(() => proxy.close());

    const engine = await startQueueEngine({ dir: options.dir, port: ports.sqs, wiring, bucket, databaseUrl, credentials });
    stops.push(() => engine.stop());
    const { endpoint: sqsEndpoint, queues } = engine;
    log(`queues     ${engine.restored ? "restored" : "new"}, messages in ${engine.dataDirs.queues}, objects in ${engine.dataDirs.objects}`);

    const gateway = new WebSocketGateway({ port: ports.gateway, limits: wiring.webSocket.limits, onError: (message, error) => log(`gateway: ${message}: ${errorMessage(error)}`) });
    await gateway.listen();
    stops.push(() => gateway.close());
    const management = await startManagementServer(gateway, { port: ports.management ?? 0, credentials, onError: (message, error) => log(`management API: ${message}: ${errorMessage(error)}`) });
    stops.push(() => management.close());

    const resources = { databaseUrl: pooled.url, pgProxy: proxy.address, sqsEndpoint, queues, managementEndpoint: management.endpoint, credentials, authSecret, bucket, ...(options.secrets ? { secrets: options.secrets } : {}), ...(options.stageSettings ? { stageSettings: options.stageSettings } : {}) };
    let pipeline: Pipeline;
    let containers: FunctionContainers | undefined;
    let inProcess: InProcessPipeline | undefined;
    if (runtime === "containers") {
      const buildStarted = performance.now();
      const built = options.built ?? (await buildFunctions(wiring, join(options.dir, "functions")));
      if (!options.built) log(`functions  bundles in ${built.dir} (${((performance.now() - buildStarted) / 1000).toFixed(1)} s; rebuilt only when a source changed); containers start on demand`);
      const containerPipeline = createContainerPipeline({
        ...resources,
        wiring,
        built,
        ...(options.tuning ? { tuning: options.tuning } : {}),
        ...(options.idleRetireSeconds !== undefined ? { idleRetireSeconds: options.idleRetireSeconds } : {}),
        ...(options.niceBackground !== undefined ? { niceBackground: options.niceBackground } : {}),
        log: options.containerLog ?? containerLogPrinter("warnings"),
        ...(options.onColdStart ? { onColdStart: options.onColdStart } : {}),
      });
      containers = containerPipeline.containers;
      pipeline = containerPipeline;
    } else {
      pipeline = inProcess = createPipeline({
        ...resources,
        wiring,
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.processor ? { processor: options.processor } : {}),
      });
    }
    stops.push(() => pipeline.stop());
    gateway.setRoutes(pipeline.routes);

    const s3 = new S3Client({ region: "us-east-1", endpoint: sqsEndpoint, forcePathStyle: true, credentials });
    stops.push(async () => s3.destroy());
    const serviceLogger = options.logger ?? { debug: () => {}, info: () => {}, warn: log, error: log };
    const uploads = createUploadService({
      sql: pipeline.sql,
      s3,
      bucket,
      sqs: pipeline.sqs,
      batchesQueueUrl: queues.batches.url,
      progressQueueUrl: queues.progress.url,
      tokens: new JwtTokenVerifier(authSecret),
      reader: new PostgresBatchReader(pipeline.sql),
      limits: { maxFileBytes: wiring.worker.maxUploadBytes, ...options.uploadLimits },
      logger: serviceLogger,
      authSecret,
    });
    const http = await listen(ports.http, async (request, response) => {
      if (await uploads(request, response)) return;
      if (options.staticHandler && (await options.staticHandler(request, response))) return;
      response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not_found" }));
    });
    stops.push(() => closeServer(http));

    // An invocation that failed as a whole (error, crash, timeout, a failed delete) is worth a line.
    pipeline.startRunners(
      options.onInvocation ??
        ((report) => {
          if (report.outcome === "failed" || report.outcome === "timed-out") log(`${report.name}: invocation ${report.outcome} (${report.records} records): ${errorMessage(report.error)}`);
        }),
    );
    if (engine.released > 0) log(`resumed    ${engine.released} message(s) the last run had in flight`);
    // Queue state that is gone (deleted, or kept for another database) cannot say what is left to
    // do; the database can: its unfinished batches are enqueued again.
    if (!engine.restored) {
      const resumed = await resumeUnfinishedBatches({
        batches: new PostgresBatchRepository(pipeline.sql),
        batchQueue: new SqsJsonQueue(pipeline.sqs, queues.batches.url),
        logger: serviceLogger,
      });
      if (resumed > 0) log(`resumed    ${resumed} unfinished batch(es) from the database`);
    }

    const httpPort = (http.address() as AddressInfo).port;
    const endpoints: StackFile = {
      httpUrl: `http://127.0.0.1:${httpPort}`,
      wsUrl: gateway.url,
      managementEndpoint: management.endpoint,
      sqsEndpoint,
      s3Endpoint: sqsEndpoint,
      bucket,
      region: "us-east-1",
      databaseUrl,
      pooledDatabaseUrl: pooled.url,
      pgProxy: proxy.address,
      queues,
      authSecret,
      credentials,
    };
    // It holds the database password and the key pair: readable by its owner only, even when an
    // older version left the file readable by others (the mode is applied only on creation).
    const stackFile = join(options.dir, "stack.json");
    await writeFile(stackFile, JSON.stringify(endpoints, null, 2) + "\n", { mode: 0o600 });
    await chmod(stackFile, 0o600);
    return {
      endpoints,
      pipeline,
      containers,
      inProcess,
      queueEngine: engine,
      queues,
      async stop(graceMillis = 3000) {
        await pipeline.stopRunners(graceMillis);
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function loadOrCreateSecret(path: string): Promise<string> {
  if (existsSync(path)) return (await readFile(path, "utf8")).trim();
  const secret = randomBytes(48).toString("base64url");
  await writeFile(path, secret + "\n", { mode: 0o600 });
  return secret;
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

function listen(port: number, handler: (request: IncomingMessage, response: ServerResponse) => Promise<void>): Promise<Server> {
  const server = createServer((request, response) => {
    handler(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
