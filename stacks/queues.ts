import { QUEUE_NAMES, wiring, type QueueName } from "@pipeline/wiring";

/** A queue's two SST components; `QueueAddress` (packages/wiring) is what a function is told of them. */
export interface DeployedQueue {
  queue: sst.aws.Queue;
  dlq: sst.aws.Queue;
}

export type Queues = Record<QueueName, DeployedQueue>;

/**
 * Every queue of the wiring with its dead-letter queue: after `maxReceiveCount` receives SQS moves
 * a message to the DLQ, where operators see it (I5).
 */
export function queues(): Queues {
  const pairs = {} as Queues;
  for (const name of QUEUE_NAMES) {
    const settings = wiring.queues[name];
    const id = componentName(name);
    const dlq = new sst.aws.Queue(`${id}Dlq`, {
      // A moved message keeps its first enqueue time: the longer retention is what leaves operators
      // time to look at it before it expires.
      transform: { queue: { messageRetentionSeconds: settings.deadLetterRetentionSeconds } },
    });
    const queue = new sst.aws.Queue(id, {
      visibilityTimeout: `${settings.visibilityTimeoutSeconds} seconds`,
      dlq: { queue: dlq.arn, retry: settings.maxReceiveCount },
      // SST's Queue has no retention argument; the SQS resource takes it.
      transform: { queue: { messageRetentionSeconds: settings.messageRetentionSeconds } },
    });
    pairs[name] = { queue, dlq };
  }
  return pairs;
}

/** `uploads` -> `Uploads`: SST component names are PascalCase and unique per app. */
function componentName(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
