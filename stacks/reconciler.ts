import { wiring } from "@pipeline/wiring";
import { lambdaSettings, sendTo } from "./lambda";
import { environment, secretLinks, type DeployedResources } from "./environment";

/**
 * The reconciler, on a schedule: it repairs counters, re-sends batches and uploads whose messages
 * were lost, requests finalization of complete batches, sweeps connections API Gateway no longer
 * knows and reports stalled batches with their dead letters.
 */
export function reconciler(resources: DeployedResources) {
  const { queues, webSocket } = resources;
  const { batches, uploads, progress } = queues;
  const settings = wiring.reconciler;
  const unit = settings.intervalMinutes === 1 ? "minute" : "minutes";

  // CronV2 (EventBridge Scheduler): SST 4 deprecates Cron (EventBridge rules) in its favour.
  const cron = new sst.aws.CronV2("Reconciler", {
    schedule: `rate(${settings.intervalMinutes} ${unit})`,
    function: {
      handler: settings.handler,
      ...lambdaSettings(settings),
      environment: environment("reconciler", resources),
      permissions: [
        sendTo(batches.queue, uploads.queue, progress.queue),
        // Peeking at the dead letters of a stalled batch: receive, then make them visible again at once.
        {
          actions: ["sqs:ReceiveMessage", "sqs:ChangeMessageVisibility"],
          resources: [batches.dlq.arn, uploads.dlq.arn, progress.dlq.arn],
        },
      ],
      // GetConnection, to find the connections API Gateway has dropped.
      link: [...secretLinks("reconciler", resources), webSocket],
    },
  });
  return cron.nodes.function.apply((fn) => fn.nodes.role.arn);
}
