export { createFanoutHandler } from "./queues/fanout.js";
export { createWorkerHandler } from "./queues/worker.js";
export { createFinalizerHandler } from "./queues/finalizer.js";
export { createConnectHandler } from "./ws/connect.js";
export { createDisconnectHandler } from "./ws/disconnect.js";
export { createMessageHandler } from "./ws/message.js";
export { createReconcilerHandler, type ReconcileSummary } from "./scheduled/reconciler.js";
export type { BuildOptions, Infrastructure } from "./composition/infrastructure.js";
export { buildFanoutDeps, fanoutDepsFromEnv, type FanoutDeps } from "./composition/fanout.js";
export { buildWorkerDeps, type WorkerDeps } from "./composition/worker.js";
export { buildFinalizerDeps, type FinalizerDeps } from "./composition/finalizer.js";
export { buildWebSocketDeps, type WebSocketDeps } from "./composition/webSocket.js";
export { buildReconcilerDeps, type ReconcilerDeps, type ReconcilerSettings } from "./composition/reconciler.js";
export {
  ConfigurationError,
  linkedSecrets,
  readFanoutConfig,
  readFinalizerConfig,
  readOperatorConfig,
  readReconcilerConfig,
  readWebSocketConfig,
  readWorkerConfig,
  type FanoutConfig,
  type FinalizerConfig,
  type OperatorConfig,
  type ReconcilerConfig,
  type SecretSource,
  type WebSocketConfig,
  type WorkerConfig,
} from "./config.js";
