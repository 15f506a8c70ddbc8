export { createFanoutHandler } from "./queues/fanout.js";
export { createWorkerHandler } from "./queues/worker.js";
export { createFinalizerHandler } from "./queues/finalizer.js";
export { buildFanoutDeps, buildFinalizerDeps, buildWorkerDeps, type FanoutDeps, type FinalizerDeps, type HandlerLogger, type Infrastructure, type WorkerDeps } from "./container.js";
export { readFanoutConfig, readFinalizerConfig, readWorkerConfig, ConfigurationError, type FanoutConfig, type FinalizerConfig, type WorkerConfig } from "./config.js";
export { createPool } from "./adapters/postgres/createPool.js";
export type { Sql } from "./adapters/postgres/Sql.js";
export { SimulatedUploadProcessor } from "./adapters/processing/SimulatedUploadProcessor.js";
