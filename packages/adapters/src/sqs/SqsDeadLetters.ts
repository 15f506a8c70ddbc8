import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { DeadLetterInspector, DeadLetterMessage, DeadLetterStore, HeldDeadLetter, QueueAddress, QueueName } from "@pipeline/core";

/** The dead-letter queues over SQS: peek without consuming, and move messages back to their source. */
export class SqsDeadLetters implements DeadLetterInspector {
  constructor(
    private readonly client: SQSClient,
    private readonly queues: Record<QueueName, Pick<QueueAddress, "url" | "dlqUrl">>,
  ) {}

  async peek(queue: QueueName, max: number): Promise<DeadLetterMessage[]> {
    const store = this.store(queue);
    const held: HeldDeadLetter[] = [];
    try {
      while (held.length < max) {
        const batch = await store.hold(Math.min(10, max - held.length), 30);
        const fresh = batch.filter((message) => !held.some((other) => other.messageId === message.messageId));
        held.push(...batch);
        if (fresh.length === 0) break;
      }
    } finally {
      await store.release(held);
    }
    const unique = new Map(held.map((message) => [message.messageId, message]));
    return [...unique.values()].map(({ handle: _handle, ...message }) => message);
  }

  store(queue: QueueName): DeadLetterStore {
    const { url, dlqUrl } = this.queues[queue];
    const client = this.client;
    return {
      async hold(max, holdSeconds) {
        const { Messages = [] } = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: dlqUrl,
            MaxNumberOfMessages: Math.max(1, Math.min(10, max)),
            VisibilityTimeout: holdSeconds,
            WaitTimeSeconds: 0,
            MessageSystemAttributeNames: ["All"],
            MessageAttributeNames: ["All"],
          }),
        );
        return Messages.map((message) => toDeadLetter(queue, message));
      },
      async moveToSource(message) {
        await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: message.body }));
        await client.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: message.handle }));
      },
      async release(messages) {
        for (let start = 0; start < messages.length; start += 10) {
          const chunk = messages.slice(start, start + 10);
          await client.send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: dlqUrl,
              Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.handle, VisibilityTimeout: 0 })),
            }),
          );
        }
      },
    };
  }
}

function toDeadLetter(queue: QueueName, message: Message): HeldDeadLetter {
  const body = message.Body ?? "";
  let parsed: { batchId?: unknown; uploadId?: unknown } = {};
  try {
    const json: unknown = JSON.parse(body);
    if (typeof json === "object" && json !== null) parsed = json as typeof parsed;
  } catch {
    // A malformed body is exactly what a dead-letter queue holds; it is listed without ids.
  }
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    queue,
    messageId: message.MessageId ?? "",
    handle: message.ReceiptHandle ?? "",
    body,
    batchId: typeof parsed.batchId === "string" ? parsed.batchId : null,
    uploadId: typeof parsed.uploadId === "string" ? parsed.uploadId : null,
    reason: message.MessageAttributes?.reason?.StringValue ?? null,
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    sentAt: Number.isFinite(sent) && sent > 0 ? new Date(sent) : null,
  };
}
