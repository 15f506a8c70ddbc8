import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { deadLetterQueueName, type QueueName, type Wiring } from "@pipeline/wiring";

export interface QueueEndpoints {
  url: string;
  arn: string;
  dlqUrl: string;
  dlqArn: string;
}

export type StackQueues = Record<QueueName, QueueEndpoints>;

/**
 * Creates every queue and its dead-letter queue from the wiring, with the redrive policy the engine
 * enforces: after `maxReceiveCount` receives a message moves to the DLQ. Idempotent.
 */
export async function createQueues(sqs: SQSClient, wiring: Wiring, prefix = ""): Promise<StackQueues> {
  const entries = await Promise.all(
    (Object.keys(wiring.queues) as QueueName[]).map(async (queue) => {
      const settings = wiring.queues[queue];
      const dlq = await createQueue(sqs, `${prefix}${deadLetterQueueName(queue)}`, {
        MessageRetentionPeriod: String(settings.deadLetterRetentionSeconds),
      });
      const main = await createQueue(sqs, `${prefix}${queue}`, {
        VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(settings.messageRetentionSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: settings.maxReceiveCount }),
      });
      return [queue, { url: main.url, arn: main.arn, dlqUrl: dlq.url, dlqArn: dlq.arn }] as const;
    }),
  );
  return Object.fromEntries(entries) as StackQueues;
}

async function createQueue(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<{ url: string; arn: string }> {
  const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (!created.QueueUrl) throw new Error(`queue ${name} was not created`);
  const described = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: created.QueueUrl, AttributeNames: ["QueueArn"] }));
  const arn = described.Attributes?.QueueArn;
  if (!arn) throw new Error(`queue ${name} has no ARN`);
  return { url: created.QueueUrl, arn };
}
