import { errorMessage, finalizeProgress, parseMessage, progressMessageSchema, type ProgressMessage, type Verdict } from "@pipeline/core";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { finalizerDepsFromEnv, type FinalizerDeps } from "../composition/finalizer.js";
import { lazy } from "../lazy.js";
import { settleRecords } from "./settleRecords.js";

export function createFinalizerHandler(deps: FinalizerDeps) {
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    deps.logger.addContext?.(context);
    const verdicts = new Map<string, Verdict>();
    const valid: Array<{ messageId: string; message: ProgressMessage }> = [];
    for (const record of event.Records) {
      const parsed = parseMessage(progressMessageSchema, record.body);
      if (parsed.ok) valid.push({ messageId: record.messageId, message: parsed.value });
      else {
        deps.logger.error(`bad progress message: ${parsed.reason}`, { messageId: record.messageId });
        verdicts.set(record.messageId, { kind: "dead-letter", reason: parsed.reason });
      }
    }
    try {
      const result = await finalizeProgress(deps, valid.map((entry) => entry.message), { pushConcurrency: deps.pushConcurrency });
      const unknown = new Set(result.unknownBatches);
      for (const { messageId, message } of valid) {
        verdicts.set(messageId, unknown.has(message.batchId) ? { kind: "dead-letter", reason: `unknown batch ${message.batchId}` } : { kind: "done" });
      }
    } catch (error) {
      const reason = `progress could not be applied: ${errorMessage(error)}`;
      deps.logger.error(reason, { messages: valid.length });
      for (const { messageId } of valid) verdicts.set(messageId, { kind: "requeue", reason });
    }
    try {
      return await settleRecords(event, context, verdicts, { ...deps.settle, logger: deps.logger, metrics: deps.metrics });
    } finally {
      deps.metrics.publish();
    }
  };
}

const lazyHandler = lazy(() => createFinalizerHandler(finalizerDepsFromEnv()));
export const handler = (event: SQSEvent, context: Context) => lazyHandler()(event, context);
