import { processUploads, uploadMessageSchema } from "@pipeline/core";
import type { Context, SQSEvent } from "aws-lambda";
import { workerDepsFromEnv, type WorkerDeps } from "../composition/worker.js";
import { lazy } from "../lazy.js";
import { createQueueFunction } from "./createQueueFunction.js";

export const createWorkerHandler = createQueueFunction({
  message: "upload",
  schema: uploadMessageSchema,
  failure: "claim failed",
  handleAll: (works, context, deps: WorkerDeps) =>
    processUploads(deps, works, { processingBudgetMillis: context.getRemainingTimeInMillis() - deps.commitReserveMillis, concurrency: deps.concurrency }),
});

const lazyHandler = lazy(() => createWorkerHandler(workerDepsFromEnv()));
export const handler = (event: SQSEvent, context: Context) => lazyHandler()(event, context);
