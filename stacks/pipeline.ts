import { wiring } from "../packages/wiring/src/index";
import type { QueueName } from "../packages/wiring/src/index";

/**
 * First version of the deployment: the three queues with their dead-letter queues and
 * subscribers, all read from the shared wiring. The WebSocket API, reconciler and secrets come
 * with the infrastructure issue.
 */
export function pipeline() {
  const databaseUrl = new sst.Secret("DatabaseUrl");
  const queues = {} as Record<QueueName, { queue: sst.aws.Queue; dlq: sst.aws.Queue }>;
  for (const name of Object.keys(wiring.queues) as QueueName[]) {
    const settings = wiring.queues[name];
    const dlq = new sst.aws.Queue(`${capitalize(name)}Dlq`);
    const queue = new sst.aws.Queue(capitalize(name), {
      visibilityTimeout: `${settings.visibilityTimeoutSeconds} seconds`,
      dlq: { queue: dlq.arn, retry: settings.maxReceiveCount },
    });
    queues[name] = { queue, dlq };
  }

  const environment = {
    BATCHES_QUEUE_URL: queues.batches.queue.url,
    BATCHES_DLQ_URL: queues.batches.dlq.url,
    UPLOADS_QUEUE_URL: queues.uploads.queue.url,
    UPLOADS_DLQ_URL: queues.uploads.dlq.url,
    PROGRESS_QUEUE_URL: queues.progress.queue.url,
    PROGRESS_DLQ_URL: queues.progress.dlq.url,
    DATABASE_URL: databaseUrl.value,
  };

  for (const [name, fn] of Object.entries(wiring.functions)) {
    queues[fn.queue].queue.subscribe(
      {
        name: `${capitalize(name)}Function`,
        handler: fn.handler,
        runtime: "nodejs22.x",
        timeout: `${fn.timeoutSeconds} seconds`,
        memory: `${fn.memoryMb} MB`,
        environment,
        link: [queues.batches.queue, queues.uploads.queue, queues.progress.queue, queues[fn.queue].dlq],
      },
      {
        batch: { size: fn.batchSize, window: `${fn.batchingWindowSeconds} seconds`, partialResponses: true },
        transform: { eventSourceMapping: { scalingConfig: { maximumConcurrency: fn.maxConcurrency } } },
      },
    );
  }

  return Object.fromEntries(Object.entries(queues).map(([name, { queue }]) => [`${name}QueueUrl`, queue.url]));
}

function capitalize(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}
