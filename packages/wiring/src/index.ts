export { wiring } from "./wiring.js";
export {
  QUEUE_NAMES,
  type Wiring,
  type LambdaNodeRuntime,
  type QueueAddress,
  type QueueName,
  type QueueWiring,
  type FunctionName,
  type QueueFunctionWiring,
  type RetryBackoff,
  type WebSocketRoute,
  type WebSocketWiring,
} from "./types.js";
export {
  allQueueAddressesIn,
  buildEnvironment,
  environments,
  variables,
  type EnvironmentConfig,
  type EnvironmentName,
  type SecretName,
  type StageSettingName,
  type Variable,
  type VariableName,
} from "./environment.js";
export { deadLetterQueueName } from "./names.js";
export { secretResourceNames, type SecretResourceName } from "./secrets.js";
export { objectKeys } from "./objectKeys.js";
export { runtimeMajor } from "./runtime.js";
export { deployedFunctions, webSocketFunctions, type DeployedFunction } from "./functions.js";
