import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createPool } from "@pipeline/adapters/postgres";
import type { HandlerLogger, PublishingMetrics } from "@pipeline/adapters/powertools";
import type { UploadProcessor } from "@pipeline/core";
import type { SQSEvent } from "aws-lambda";
import { buildFanoutDeps, buildFinalizerDeps, buildWebSocketDeps, buildWorkerDeps, createConnectHandler, createDisconnectHandler, createFanoutHandler, createFinalizerHandler, createMessageHandler, createWorkerHandler, readFanoutConfig, readFinalizerConfig, readWebSocketConfig, readWorkerConfig } from "@pipeline/functions";
import { buildEnvironment, type EnvironmentName, type FunctionName, type Variable, type WebSocketRoute, type Wiring } from "@pipeline/wiring";
import type { LocalCredentials } from "../auth/LocalCredentials.js";
import type { WebSocketHandler } from "../gateway/WebSocketGateway.js";
import { InProcessInvoker } from "../lambda/InProcessInvoker.js";
import type { SqsHandler } from "../runner/QueueFunctionRunner.js";
import { localResourceValues, type LocalResources } from "./localResourceValues.js";
import type { Pipeline } from "./Pipeline.js";
import { QueueRunners } from "./QueueRunners.js";

/** An SQS client of the local engine, signing with the stack's key pair (the engine refuses anything else). */
export function localSqsClient(endpoint: string, credentials: LocalCredentials, region = "us-east-1"): SQSClient {
  return new SQSClient({ region, endpoint, credentials });
}

export interface PipelineOptions extends LocalResources {
  wiring: Wiring;
  region?: string;
  /** One logger for all functions (tests record it); each function gets Powertools' otherwise. */
  logger?: HandlerLogger;
  /** One metrics sink for all functions (tests record it); each function gets Powertools' otherwise. */
  metrics?: PublishingMetrics;
  /** The worker's processing step; the real media step when not given. */
  processor?: UploadProcessor;
}

export interface InProcessPipeline extends Pipeline {
  /** The queue functions' handlers, callable directly. */
  handlers: Record<FunctionName, SqsHandler>;
}

/**
 * The functions' handlers in this process, built by the same factories and configuration readers
 * as the deployed ones, with test doubles where a test injects them (a processor, a recording
 * logger). For tests of the handlers on the real engines; the local stack runs the deployed
 * bundles in containers instead (createContainerPipeline).
 */
export function createPipeline(options: PipelineOptions): InProcessPipeline {
  const region = options.region ?? "us-east-1";
  const resourceValue = localResourceValues(options);
  const localValueOf = (variable: Variable) => (variable.from === "region" ? region : resourceValue(variable));
  const env = (name: EnvironmentName) => buildEnvironment(name, localValueOf);
  const sql = createPool({ connectionString: options.databaseUrl, localWebSocketProxy: options.pgProxy, max: 40 });
  const { credentials } = options;
  const sqs = localSqsClient(options.sqsEndpoint, credentials, region);
  const s3 = new S3Client({ region, endpoint: options.sqsEndpoint, forcePathStyle: true, credentials });
  const apiGateway = new ApiGatewayManagementApiClient({ region, endpoint: options.managementEndpoint, credentials });
  const infra = { sql, sqs, s3, ...(options.logger ? { logger: options.logger } : {}), ...(options.metrics ? { metrics: options.metrics } : {}) };
  const { wiring } = options;

  const handlers: Record<FunctionName, SqsHandler> = {
    fanout: createFanoutHandler(buildFanoutDeps(readFanoutConfig(env("fanout")), infra, { wiring })),
    worker: createWorkerHandler(
      buildWorkerDeps(readWorkerConfig(env("worker")), infra, { wiring, ...(options.processor ? { processor: options.processor } : {}) }),
    ),
    finalizer: createFinalizerHandler(buildFinalizerDeps(readFinalizerConfig(env("finalizer")), { ...infra, database: sql, apiGateway }, { wiring })),
  };

  const webSocketDeps = buildWebSocketDeps(readWebSocketConfig(env("webSocket")), { ...infra, apiGateway }, { wiring });
  const message = createMessageHandler(webSocketDeps);
  const routes: Record<WebSocketRoute, WebSocketHandler> = {
    $connect: createConnectHandler(webSocketDeps),
    $disconnect: createDisconnectHandler(webSocketDeps),
    $default: message,
    subscribe: message,
  };

  const invokers = Object.fromEntries(
    (Object.keys(handlers) as FunctionName[]).map((name) => {
      const settings = wiring.functions[name];
      // Looked up on each invocation: a test may wrap a handler between runs.
      return [name, new InProcessInvoker(name, (event: SQSEvent, context) => handlers[name](event, context), { timeoutSeconds: settings.timeoutSeconds, memoryMb: settings.memoryMb, region })];
    }),
  ) as Record<FunctionName, InProcessInvoker>;
  const runners = new QueueRunners({ sqs, queues: options.queues, wiring, region, invokers });
  return {
    handlers,
    routes,
    sqs,
    sql,
    startRunners: (onInvocation) => runners.start(onInvocation),
    stopRunners: (graceMillis) => runners.stop(graceMillis),
    async stop(graceMillis) {
      await runners.stop(graceMillis);
      await Promise.all(Object.values(invokers).map((invoker) => invoker.stop(graceMillis)));
      await sql.end();
      sqs.destroy();
      apiGateway.destroy();
      s3.destroy();
    },
  };
}
