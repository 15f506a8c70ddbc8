import { processUploads, uploadMessageSchema } from "@pipeline/core";
import { workerDepsFromEnv, type WorkerDeps } from "../composition/worker.js";
import { lambdaHandler } from "../lambdaHandler.js";
import { createQueueFunction } from "./createQueueFunction.js";

export const createWorkerHandler = createQueueFunction({
  message: "upload",
  schema: uploadMessageSchema,
  failure: "claim failed",
  handleAll: (works, context, deps: WorkerDeps) =>
    processUploads(deps, works, { processingBudgetMillis: context.getRemainingTimeInMillis() - deps.commitReserveMillis, concurrency: deps.concurrency }),
});

export const handler = lambdaHandler(() => createWorkerHandler(workerDepsFromEnv()));
