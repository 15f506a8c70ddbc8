import { batchMessageSchema, fanOutBatch, fanOutVerdict } from "@pipeline/core";
import { fanoutDepsFromEnv, type FanoutDeps } from "../composition/fanout.js";
import { lambdaHandler } from "../lambdaHandler.js";
import { createQueueFunction } from "./createQueueFunction.js";

export const createFanoutHandler = createQueueFunction({
  message: "batch",
  schema: batchMessageSchema,
  // A requeued batch message is resumed: uploads already sent and finished since are not sent again.
  failure: "fan-out failed",
  handleEach: async ({ message }, context, deps: FanoutDeps) => {
    const options = { pageSize: deps.pageSize, reserveMillis: deps.reserveMillis, remainingMillis: () => context.getRemainingTimeInMillis() };
    return fanOutVerdict(message, await fanOutBatch(deps, message, options));
  },
});

export const handler = lambdaHandler(() => createFanoutHandler(fanoutDepsFromEnv()));
