import { wiring } from "@pipeline/wiring";
import { lambdaSettings, sendTo } from "./lambda";
import type { Queues } from "./queues";
import type { Secrets } from "./secrets";

/**
 * The reconciler, on a schedule: it repairs counters, re-sends batches and uploads whose messages
 * were lost, requests finalization of complete batches, sweeps connections API Gateway no longer
 * knows and reports stalled batches with their dead letters.
 */
export function reconciler(deps: { queues: Queues; secrets: Secrets; webSocket: sst.aws.ApiGatewayWebSocket }) {
  const { queues, secrets, webSocket } = deps;
  const { batches, uploads, progress } = queues;
  const settings = wiring.reconciler;
  const unit = settings.intervalMinutes === 1 ? "minute" : "minutes";

  // CronV2 (EventBridge Scheduler): SST 4 deprecates Cron (EventBridge rules) in its favour.
  new sst.aws.CronV2("Reconciler", {
    schedule: `rate(${settings.intervalMinutes} ${unit})`,
    function: {
      handler: settings.handler,
      ...lambdaSettings(settings),
      environment: {
        DATABASE_URL: secrets.databaseUrl.value,
        BATCHES_QUEUE_URL: batches.queue.url,
        BATCHES_DLQ_URL: batches.dlq.url,
        UPLOADS_QUEUE_URL: uploads.queue.url,
        UPLOADS_DLQ_URL: uploads.dlq.url,
        PROGRESS_QUEUE_URL: progress.queue.url,
        PROGRESS_DLQ_URL: progress.dlq.url,
        WS_MANAGEMENT_ENDPOINT: webSocket.managementEndpoint,
      },
      permissions: [
        sendTo(batches.queue, uploads.queue, progress.queue),
        // Peeking at the dead letters of a stalled batch: receive, then make them visible again at once.
        {
          actions: ["sqs:ReceiveMessage", "sqs:ChangeMessageVisibility"],
          resources: [batches.dlq.arn, uploads.dlq.arn, progress.dlq.arn],
        },
      ],
      // GetConnection, to find the connections API Gateway has dropped.
      link: [webSocket],
    },
  });
}
