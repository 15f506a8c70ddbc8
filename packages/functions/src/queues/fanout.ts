import { batchMessageSchema, fanOutBatch, fanOutVerdict } from "@pipeline/core";
import { fanoutDepsFromEnv, type FanoutDeps } from "../composition/fanout.js";
import { lambdaHandler } from "../lambdaHandler.js";
import { createQueueFunction } from "./createQueueFunction.js";

export const createFanoutHandler = createQueueFunction({
  message: "batch",
  schema: batchMessageSchema,
  // A requeued or repeated batch message tops the window up: what is in flight is not sent again.
  failure: "fan-out failed",
  handleEach: async ({ message }, _context, deps: FanoutDeps) => fanOutVerdict(message, await fanOutBatch(deps, message, deps.flow)),
});

export const handler = lambdaHandler(() => createFanoutHandler(fanoutDepsFromEnv()));
