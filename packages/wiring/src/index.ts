export { wiring } from "./wiring.js";
export type { Wiring, LambdaNodeRuntime, QueueName, QueueWiring, FunctionName, QueueFunctionWiring, RetryBackoff, WebSocketRoute, WebSocketWiring } from "./types.js";
export { deadLetterQueueName } from "./names.js";
export { runtimeMajor } from "./runtime.js";
