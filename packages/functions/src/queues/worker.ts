import { errorMessage, parseMessage, processUploads, uploadMessageSchema, type UploadWork, type Verdict } from "@pipeline/core";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { lazy } from "../lazy.js";
import { workerDepsFromEnv, type WorkerDeps } from "../composition/worker.js";
import { receiveCount } from "./receiveCount.js";
import { settleRecords } from "./settleRecords.js";

export function createWorkerHandler(deps: WorkerDeps) {
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    deps.logger.addContext?.(context);
    const verdicts = new Map<string, Verdict>();
    const works: UploadWork[] = [];
    for (const record of event.Records) {
      const parsed = parseMessage(uploadMessageSchema, record.body);
      if (parsed.ok) works.push({ messageId: record.messageId, message: parsed.value, receiveCount: receiveCount(record) });
      else {
        deps.logger.error(`bad upload message: ${parsed.reason}`, { messageId: record.messageId });
        verdicts.set(record.messageId, { kind: "dead-letter", reason: parsed.reason });
      }
    }
    try {
      const processed = await processUploads(deps, works, {
        processingBudgetMillis: context.getRemainingTimeInMillis() - deps.commitReserveMillis,
        concurrency: deps.concurrency,
      });
      for (const [messageId, verdict] of processed) verdicts.set(messageId, verdict);
    } catch (error) {
      const reason = `claim failed: ${errorMessage(error)}`;
      deps.logger.error(reason, { messages: works.length });
      for (const work of works) verdicts.set(work.messageId, { kind: "requeue", reason });
    }
    try {
      return await settleRecords(event, context, verdicts, { ...deps.settle, logger: deps.logger, metrics: deps.metrics });
    } finally {
      deps.metrics.publish();
    }
  };
}

const lazyHandler = lazy(() => createWorkerHandler(workerDepsFromEnv()));
export const handler = (event: SQSEvent, context: Context) => lazyHandler()(event, context);
