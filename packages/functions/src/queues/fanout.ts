import { batchMessageSchema, errorMessage, fanOutBatch, parseMessage, type Verdict } from "@pipeline/core";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { fanoutDepsFromEnv, type FanoutDeps } from "../composition/fanout.js";
import { lazy } from "../lazy.js";
import { settleRecords } from "./settleRecords.js";

export function createFanoutHandler(deps: FanoutDeps) {
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    deps.logger.addContext?.(context);
    const verdicts = new Map<string, Verdict>();
    for (const record of event.Records) {
      const parsed = parseMessage(batchMessageSchema, record.body);
      if (!parsed.ok) {
        deps.logger.error(`bad batch message: ${parsed.reason}`, { messageId: record.messageId });
        verdicts.set(record.messageId, { kind: "dead-letter", reason: parsed.reason });
        continue;
      }
      const { batchId } = parsed.value;
      try {
        const result = await fanOutBatch(deps, parsed.value, {
          pageSize: deps.pageSize,
          reserveMillis: deps.reserveMillis,
          remainingMillis: () => context.getRemainingTimeInMillis(),
        });
        if (result.kind === "not-found") {
          const reason = `unknown batch ${batchId}`;
          deps.logger.error(`bad batch message: ${reason}`, { batchId, messageId: record.messageId });
          verdicts.set(record.messageId, { kind: "dead-letter", reason });
        } else {
          verdicts.set(record.messageId, { kind: "done" });
        }
      } catch (error) {
        const reason = `fan-out failed: ${errorMessage(error)}`;
        deps.logger.error(reason, { batchId });
        // Requeued, then resumed: uploads already sent and finished since are not sent again.
        verdicts.set(record.messageId, { kind: "requeue", reason });
      }
    }
    try {
      return await settleRecords(event, context, verdicts, { ...deps.settle, logger: deps.logger, metrics: deps.metrics });
    } finally {
      deps.metrics.publish();
    }
  };
}

const lazyHandler = lazy(() => createFanoutHandler(fanoutDepsFromEnv()));
export const handler = (event: SQSEvent, context: Context) => lazyHandler()(event, context);
