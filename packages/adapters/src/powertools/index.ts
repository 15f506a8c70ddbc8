export { createLogger, type HandlerLogger } from "./createLogger.js";
export { createMetrics, type PublishingMetrics } from "./createMetrics.js";
