import { createPool } from "@pipeline/adapters/postgres";
import { webSocketFunctions, type FunctionName, type VariableName, type WebSocketRoute, type Wiring } from "@pipeline/wiring";
import type { APIGatewayProxyResultV2 } from "aws-lambda";
import type { WebSocketHandler } from "../gateway/WebSocketGateway.js";
import type { BuiltFunctions } from "../lambda/buildFunctions.js";
import type { ColdStart, ContainerLogLine } from "../lambda/ContainerPool.js";
import { FunctionContainers } from "../lambda/FunctionContainers.js";
import { describeOutcome, type FunctionInvoker } from "../lambda/FunctionInvoker.js";
import { localResourceValues, type LocalResources } from "./localResourceValues.js";
import { localSqsClient } from "./createPipeline.js";
import type { Pipeline } from "./Pipeline.js";
import { QueueRunners } from "./QueueRunners.js";

export interface ContainerPipelineOptions extends LocalResources {
  wiring: Wiring;
  built: BuiltFunctions;
  region?: string;
  tuning?: Partial<Record<VariableName, string>>;
  idleRetireSeconds?: number;
  niceBackground?: boolean;
  /** Where the containers' log lines go (their CloudWatch streams on AWS). */
  log?: (line: ContainerLogLine) => void;
  onColdStart?: (coldStart: ColdStart) => void;
}

export interface ContainerPipeline extends Pipeline {
  containers: FunctionContainers;
}

/**
 * The deployed functions as Lambda runs them: each function's bundle in containers of its own
 * (child processes behind a Runtime API), the queue functions invoked by Lambda-like pollers, the
 * WebSocket routes by the gateway and the reconciler on its schedule once the runners start.
 */
export function createContainerPipeline(options: ContainerPipelineOptions): ContainerPipeline {
  const region = options.region ?? "us-east-1";
  const { wiring } = options;
  const containers = new FunctionContainers({
    wiring,
    built: options.built,
    valueOf: localResourceValues(options),
    region,
    credentials: options.credentials,
    ...(options.tuning ? { tuning: options.tuning } : {}),
    ...(options.idleRetireSeconds !== undefined ? { idleRetireSeconds: options.idleRetireSeconds } : {}),
    ...(options.niceBackground !== undefined ? { niceBackground: options.niceBackground } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.onColdStart ? { onColdStart: options.onColdStart } : {}),
  });
  const sql = createPool({ connectionString: options.databaseUrl, localWebSocketProxy: options.pgProxy, max: 10 });
  const sqs = localSqsClient(options.sqsEndpoint, options.credentials, region);
  const invokers = Object.fromEntries((Object.keys(wiring.functions) as FunctionName[]).map((name) => [name, containers.pool(name)])) as unknown as Record<FunctionName, FunctionInvoker>;
  const runners = new QueueRunners({ sqs, queues: options.queues, wiring, region, invokers });

  const routes = {} as Record<WebSocketRoute, WebSocketHandler>;
  for (const fn of webSocketFunctions(wiring)) {
    if (fn.trigger.kind === "webSocket") for (const route of fn.trigger.routes) routes[route] = routeHandler(containers.pool(fn.name));
  }

  let schedule: ReturnType<typeof setInterval> | undefined;
  const reconciler = containers.pool("reconciler");
  const stopRunners = async (graceMillis?: number) => {
    clearInterval(schedule);
    schedule = undefined;
    await runners.stop(graceMillis);
  };
  return {
    containers,
    routes,
    sqs,
    sql,
    startRunners(onInvocation) {
      runners.start(onInvocation);
      schedule ??= setInterval(() => void reconciler.invoke(scheduledEvent(region)), wiring.reconciler.intervalMinutes * 60_000);
    },
    stopRunners,
    async stop(graceMillis) {
      await stopRunners(graceMillis);
      await containers.stop(graceMillis);
      await sql.end();
      sqs.destroy();
    },
  };
}

/** API Gateway's integration: the route's function answers, or the client gets an error frame. */
function routeHandler(invoker: FunctionInvoker): WebSocketHandler {
  return async (event) => {
    const outcome = await invoker.invoke(event);
    if (outcome.kind === "returned") return outcome.payload as APIGatewayProxyResultV2;
    throw new Error(`${invoker.functionName}: ${describeOutcome(outcome)}`);
  };
}

/** What EventBridge Scheduler hands the function on each tick. */
function scheduledEvent(region: string) {
  return { version: "0", id: crypto.randomUUID(), "detail-type": "Scheduled Event", source: "aws.events", account: "000000000000", time: new Date().toISOString(), region, resources: [], detail: {} };
}
