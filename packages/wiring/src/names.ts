import type { QueueName } from "./types.js";

export function deadLetterQueueName(queue: QueueName): `${QueueName}-dlq` {
  return `${queue}-dlq`;
}
