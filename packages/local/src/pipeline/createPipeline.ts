import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createPool } from "@pipeline/adapters/postgres";
import type { HandlerLogger, PublishingMetrics } from "@pipeline/adapters/powertools";
import type { UploadProcessor } from "@pipeline/core";
import { buildFanoutDeps, buildFinalizerDeps, buildWebSocketDeps, buildWorkerDeps, createConnectHandler, createDisconnectHandler, createFanoutHandler, createFinalizerHandler, createMessageHandler, createWorkerHandler, readFanoutConfig, readFinalizerConfig, readWebSocketConfig, readWorkerConfig } from "@pipeline/functions";
import { buildEnvironment, type EnvironmentName, type FunctionName, type Variable, type WebSocketRoute, type Wiring } from "@pipeline/wiring";
import type { WebSocketHandler } from "../gateway/WebSocketGateway.js";
import type { StackQueues } from "../queues/createQueues.js";
import { QueueFunctionRunner, type InvocationReport, type SqsHandler } from "../runner/QueueFunctionRunner.js";

/** Engines never check these, but the AWS SDK signs every request. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

export function localSqsClient(endpoint: string, region = "us-east-1"): SQSClient {
  return new SQSClient({ region, endpoint, credentials: LOCAL_CREDENTIALS });
}

export interface PipelineOptions {
  databaseUrl: string;
  /** host:port of the WebSocket-to-TCP proxy in front of Postgres. */
  pgProxy: string;
  sqsEndpoint: string;
  queues: StackQueues;
  managementEndpoint: string;
  wiring: Wiring;
  region?: string;
  /** One logger for all functions (tests record it); each function gets Powertools' otherwise. */
  logger?: HandlerLogger;
  /** One metrics sink for all functions (tests record it); each function gets Powertools' otherwise. */
  metrics?: PublishingMetrics;
  /** The worker's processing step; the real media step when not given. */
  processor?: UploadProcessor;
  /** Where uploads are read and thumbnails written, on the local engine's S3. */
  bucket?: string;
  /** HS256 key of client tokens. */
  authSecret: string;
}

export interface Pipeline {
  handlers: Record<FunctionName, SqsHandler>;
  /** The WebSocket API's routes, for the gateway. */
  routes: Record<WebSocketRoute, WebSocketHandler>;
  sqs: SQSClient;
  /** Starts Lambda-like pollers for every function; stop them with `stop()`. */
  startRunners(onInvocation?: (report: InvocationReport) => void): void;
  stopRunners(graceMillis?: number): Promise<void>;
  /** Stops the runners (waiting at most `graceMillis` for invocations in flight) and closes the clients. */
  stop(graceMillis?: number): Promise<void>;
  sql: ReturnType<typeof createPool>;
}

/**
 * The functions as deployed, built from the environment a Lambda would have: the same handler
 * factories and configuration readers, with local endpoints.
 */
export function createPipeline(options: PipelineOptions): Pipeline {
  const region = options.region ?? "us-east-1";
  const localValueOf = (variable: Variable): string | undefined => {
    switch (variable.from) {
      case "queueUrl":
        return options.queues[variable.queue].url;
      case "deadLetterQueueUrl":
        return options.queues[variable.queue].dlqUrl;
      case "bucket":
        return options.bucket ?? "media";
      case "managementEndpoint":
        return options.managementEndpoint;
      case "region":
        return region;
      case "secret":
        return variable.secret === "databaseUrl" ? options.databaseUrl : variable.secret === "authSecret" ? options.authSecret : undefined;
      case "localEngine":
        // fauxqs serves S3 on the same port as SQS.
        return variable.engine === "postgresProxy" ? options.pgProxy : options.sqsEndpoint;
      case "tuning":
        return undefined;
    }
  };
  const env = (name: EnvironmentName) => buildEnvironment(name, localValueOf);
  const sql = createPool({ connectionString: options.databaseUrl, localWebSocketProxy: options.pgProxy, max: 40 });
  const sqs = localSqsClient(options.sqsEndpoint, region);
  const apiGateway = new ApiGatewayManagementApiClient({ region, endpoint: options.managementEndpoint, credentials: LOCAL_CREDENTIALS });
  const infra = { sql, sqs, ...(options.logger ? { logger: options.logger } : {}), ...(options.metrics ? { metrics: options.metrics } : {}) };
  const { wiring } = options;

  const handlers: Record<FunctionName, SqsHandler> = {
    fanout: createFanoutHandler(buildFanoutDeps(readFanoutConfig(env("fanout")), infra, { wiring })),
    worker: createWorkerHandler(
      buildWorkerDeps(readWorkerConfig(env("worker")), infra, { wiring, ...(options.processor ? { processor: options.processor } : {}) }),
    ),
    finalizer: createFinalizerHandler(buildFinalizerDeps(readFinalizerConfig(env("finalizer")), { ...infra, database: sql, apiGateway }, { wiring })),
  };

  const webSocketDeps = buildWebSocketDeps(readWebSocketConfig(env("webSocket")), { ...infra, apiGateway });
  const message = createMessageHandler(webSocketDeps);
  const routes: Record<WebSocketRoute, WebSocketHandler> = {
    $connect: createConnectHandler(webSocketDeps),
    $disconnect: createDisconnectHandler(webSocketDeps),
    $default: message,
    subscribe: message,
  };

  let runners: QueueFunctionRunner[] = [];
  const stopRunners = async (graceMillis?: number) => {
    await Promise.all(runners.map((runner) => runner.stop(graceMillis)));
    runners = [];
  };
  return {
    handlers,
    routes,
    sqs,
    sql,
    startRunners(onInvocation) {
      if (runners.length > 0) return;
      runners = (Object.keys(handlers) as FunctionName[]).map((name) => {
        const settings = wiring.functions[name];
        const queue = options.queues[settings.queue];
        return new QueueFunctionRunner({
          name,
          sqs,
          queueUrl: queue.url,
          queueArn: queue.arn,
          handler: handlers[name],
          settings,
          region,
          ...(onInvocation ? { onInvocation } : {}),
        });
      });
      for (const runner of runners) runner.start();
    },
    stopRunners,
    async stop(graceMillis) {
      await stopRunners(graceMillis);
      await sql.end();
      sqs.destroy();
      apiGateway.destroy();
    },
  };
}
