import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { UploadProcessor } from "@pipeline/core";
import {
  buildFanoutDeps,
  buildFinalizerDeps,
  buildWorkerDeps,
  createFanoutHandler,
  createFinalizerHandler,
  createPool,
  createWorkerHandler,
  readFanoutConfig,
  readFinalizerConfig,
  readWorkerConfig,
  type HandlerLogger,
} from "@pipeline/functions";
import type { FunctionName, Wiring } from "@pipeline/wiring";
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
  processor?: UploadProcessor;
  processorLatencyMillis?: number;
}

export interface Pipeline {
  handlers: Record<FunctionName, SqsHandler>;
  sqs: SQSClient;
  /** Starts Lambda-like pollers for every function; stop them with `stop()`. */
  startRunners(onInvocation?: (report: InvocationReport) => void): void;
  stopRunners(): Promise<void>;
  /** Stops the runners and closes the clients. */
  stop(): Promise<void>;
  sql: ReturnType<typeof createPool>;
}

/**
 * The functions as deployed, built from the environment a Lambda would have: the same handler
 * factories and configuration readers, with local endpoints.
 */
export function createPipeline(options: PipelineOptions): Pipeline {
  const region = options.region ?? "us-east-1";
  const env: Record<string, string> = {
    DATABASE_URL: options.databaseUrl,
    PG_LOCAL_WS_PROXY: options.pgProxy,
    AWS_REGION: region,
    SQS_ENDPOINT: options.sqsEndpoint,
    BATCHES_QUEUE_URL: options.queues.batches.url,
    BATCHES_DLQ_URL: options.queues.batches.dlqUrl,
    UPLOADS_QUEUE_URL: options.queues.uploads.url,
    UPLOADS_DLQ_URL: options.queues.uploads.dlqUrl,
    PROGRESS_QUEUE_URL: options.queues.progress.url,
    PROGRESS_DLQ_URL: options.queues.progress.dlqUrl,
    WS_MANAGEMENT_ENDPOINT: options.managementEndpoint,
    PROCESSOR_LATENCY_MS: String(options.processorLatencyMillis ?? 0),
  };
  const sql = createPool({ connectionString: options.databaseUrl, localWebSocketProxy: options.pgProxy, max: 40 });
  const sqs = localSqsClient(options.sqsEndpoint, region);
  const apiGateway = new ApiGatewayManagementApiClient({ region, endpoint: options.managementEndpoint, credentials: LOCAL_CREDENTIALS });
  const infra = { sql, sqs, ...(options.logger ? { logger: options.logger } : {}) };
  const { wiring } = options;

  const handlers: Record<FunctionName, SqsHandler> = {
    fanout: createFanoutHandler(buildFanoutDeps(readFanoutConfig(env), infra, { wiring })),
    worker: createWorkerHandler(
      buildWorkerDeps(readWorkerConfig(env), infra, { wiring, ...(options.processor ? { processor: options.processor } : {}) }),
    ),
    finalizer: createFinalizerHandler(buildFinalizerDeps(readFinalizerConfig(env), { ...infra, apiGateway })),
  };

  let runners: QueueFunctionRunner[] = [];
  const stopRunners = async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
    runners = [];
  };
  return {
    handlers,
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
    async stop() {
      await stopRunners();
      await sql.end();
      sqs.destroy();
      apiGateway.destroy();
    },
  };
}
