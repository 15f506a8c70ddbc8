import { batchMessageSchema, fanOutBatch, fanOutVerdict } from "@pipeline/core";
import type { Context, SQSEvent } from "aws-lambda";
import { fanoutDepsFromEnv, type FanoutDeps } from "../composition/fanout.js";
import { lazy } from "../lazy.js";
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

const lazyHandler = lazy(() => createFanoutHandler(fanoutDepsFromEnv()));
export const handler = (event: SQSEvent, context: Context) => lazyHandler()(event, context);
