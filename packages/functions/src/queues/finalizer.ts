import { finalizeProgress, finalizeVerdict, progressMessageSchema } from "@pipeline/core";
import type { Context, SQSEvent } from "aws-lambda";
import { finalizerDepsFromEnv, type FinalizerDeps } from "../composition/finalizer.js";
import { lazy } from "../lazy.js";
import { createQueueFunction } from "./createQueueFunction.js";

export const createFinalizerHandler = createQueueFunction({
  message: "progress",
  schema: progressMessageSchema,
  failure: "progress could not be applied",
  handleAll: async (records, _context, deps: FinalizerDeps) => {
    const result = await finalizeProgress(deps, records.map((record) => record.message), { pushConcurrency: deps.pushConcurrency });
    return new Map(records.map((record) => [record.messageId, finalizeVerdict(record.message, result)]));
  },
});

const lazyHandler = lazy(() => createFinalizerHandler(finalizerDepsFromEnv()));
export const handler = (event: SQSEvent, context: Context) => lazyHandler()(event, context);
