export { createFanoutHandler } from "./queues/fanout.js";
export { createWorkerHandler } from "./queues/worker.js";
export { createFinalizerHandler } from "./queues/finalizer.js";
export { createConnectHandler } from "./ws/connect.js";
export { createDisconnectHandler } from "./ws/disconnect.js";
export { createMessageHandler } from "./ws/message.js";
export type { BuildOptions, HandlerLogger, Infrastructure } from "./composition/infrastructure.js";
export { buildFanoutDeps, type FanoutDeps } from "./composition/fanout.js";
export { buildWorkerDeps, type WorkerDeps } from "./composition/worker.js";
export { buildFinalizerDeps, type FinalizerDeps } from "./composition/finalizer.js";
export { buildWebSocketDeps, type WebSocketDeps } from "./composition/webSocket.js";
export {
  ConfigurationError,
  readFanoutConfig,
  readFinalizerConfig,
  readWebSocketConfig,
  readWorkerConfig,
  type FanoutConfig,
  type FinalizerConfig,
  type WebSocketConfig,
  type WorkerConfig,
} from "./config.js";
export { issueToken } from "./adapters/auth/issueToken.js";
export { createPool } from "./adapters/postgres/createPool.js";
export type { Sql } from "./adapters/postgres/Sql.js";
export { SimulatedUploadProcessor } from "./adapters/processing/SimulatedUploadProcessor.js";
export { PostgresBatchReader } from "./adapters/postgres/PostgresBatchReader.js";
export { PostgresBatchRepository } from "./adapters/postgres/PostgresBatchRepository.js";
export { JwtTokenVerifier } from "./adapters/auth/JwtTokenVerifier.js";
export { SqsJsonQueue } from "./adapters/sqs/SqsJsonQueue.js";
export { createReconcileHandler, summarize, type ReconcileSummary } from "./scheduled/reconcile.js";
export { buildReconcilerDeps, type ReconcilerDeps, type ReconcilerSettings } from "./composition/reconciler.js";
export { readReconcilerConfig, type ReconcilerConfig } from "./config.js";
export { PostgresBatchControls } from "./adapters/postgres/PostgresBatchControls.js";
export { PostgresBatchMaintenance } from "./adapters/postgres/PostgresBatchMaintenance.js";
export { SqsDeadLetters, type QueuePair } from "./adapters/sqs/SqsDeadLetters.js";
export { SqsUploadQueue } from "./adapters/sqs/SqsUploadQueue.js";
export { ApiGatewayConnectionNotifier } from "./adapters/apigateway/ApiGatewayConnectionNotifier.js";
export { PostgresConnectionRepository } from "./adapters/postgres/PostgresConnectionRepository.js";
export type { Database } from "./adapters/postgres/Sql.js";
export { createMetrics, type PublishingMetrics } from "./metrics.js";
