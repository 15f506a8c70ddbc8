import type { SQSClient } from "@aws-sdk/client-sqs";
import type { createPool } from "@pipeline/adapters/postgres";
import type { WebSocketRoute } from "@pipeline/wiring";
import type { WebSocketHandler } from "../gateway/WebSocketGateway.js";
import type { InvocationReport } from "../runner/QueueFunctionRunner.js";

/** The deployed functions on the local engines, with the event sources that invoke them. */
export interface Pipeline {
  /** The WebSocket API's routes, for the gateway. */
  routes: Record<WebSocketRoute, WebSocketHandler>;
  /** The stack's own SQS client (the upload service's, the tests'); the functions have theirs. */
  sqs: SQSClient;
  /** The stack's own pool on the functions' pooled endpoint (the upload service's, the tests'). */
  sql: ReturnType<typeof createPool>;
  /** Starts the event source mappings: a Lambda-like poller per queue function; stop them with `stopRunners()`. */
  startRunners(onInvocation?: (report: InvocationReport) => void): void;
  stopRunners(graceMillis?: number): Promise<void>;
  /** Stops the runners (waiting at most `graceMillis` for invocations in flight), the functions and the clients. */
  stop(graceMillis?: number): Promise<void>;
}
