export { outputs } from "./outputs";
export { queuePolicies, queueSenders } from "./queuePolicies";
export { queues } from "./queues";
export { reconciler } from "./reconciler";
export { secrets } from "./secrets";
export { stageSettings } from "./stageSettings";
export { storage } from "./storage";
export { subscribers } from "./subscribers";
export { webSocketApi, webSocketRoutes } from "./webSocket";
