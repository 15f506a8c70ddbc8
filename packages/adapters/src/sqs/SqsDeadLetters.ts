import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import {
  DeadLetterNotDeletedError,
  type DeadLetterInspector,
  type DeadLetterMessage,
  type DeadLetterStore,
  type HeldDeadLetter,
  type QueueAddress,
  type QueueName,
} from "@pipeline/core";
import type { OffloadedBodies } from "./OffloadedBodies.js";
import { idsOf, OFFLOAD_ATTRIBUTES } from "./SqsDeadLetterQueue.js";

/**
 * The dead-letter queues over SQS: peek without consuming, read an offloaded body back, and move
 * messages back to their source (an offloaded body from object storage, which is deleted after).
 */
export class SqsDeadLetters implements DeadLetterInspector {
  constructor(
    private readonly client: SQSClient,
    private readonly queues: Record<QueueName, Pick<QueueAddress, "url" | "dlqUrl">>,
    private readonly bodies?: OffloadedBodies,
  ) {}

  async originalBody(message: DeadLetterMessage): Promise<string> {
    const key = offloadedKey(message);
    if (key === undefined) return message.body;
    return this.requireBodies(message).get(key);
  }

  private requireBodies(message: DeadLetterMessage): OffloadedBodies {
    if (!this.bodies) throw new Error(`dead letter ${message.messageId} has its body in ${message.offloaded?.location}, and no object storage is configured to read it`);
    return this.bodies;
  }

  async peek(queue: QueueName, max: number): Promise<DeadLetterMessage[]> {
    const store = this.store(queue);
    const held: HeldDeadLetter[] = [];
    try {
      while (held.length < max) {
        const batch = await store.hold(Math.min(10, max - held.length), 30, 0);
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
    const originalBody = (message: DeadLetterMessage) => this.originalBody(message);
    const deleteOffloaded = async (message: DeadLetterMessage) => {
      const key = offloadedKey(message);
      if (key !== undefined) await this.requireBodies(message).delete(key);
    };
    return {
      async hold(max, holdSeconds, waitSeconds) {
        const { Messages = [] } = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: dlqUrl,
            MaxNumberOfMessages: Math.max(1, Math.min(10, max)),
            VisibilityTimeout: holdSeconds,
            WaitTimeSeconds: waitSeconds,
            MessageSystemAttributeNames: ["All"],
            MessageAttributeNames: ["All"],
          }),
        );
        return Messages.map((message) => toDeadLetter(queue, message));
      },
      async extend(messages, holdSeconds) {
        const lapsed = new Set<string>();
        // One at a time: a lapsed handle is an error of its own call, and the few held at once are cheap.
        for (const message of messages) {
          try {
            await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: dlqUrl, ReceiptHandle: message.handle, VisibilityTimeout: holdSeconds }));
          } catch (error) {
            if (!isLapsedHandle(error)) throw error;
            lapsed.add(message.messageId);
          }
        }
        return lapsed;
      },
      async moveToSource(message) {
        await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: await originalBody(message) }));
        try {
          await client.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: message.handle }));
        } catch (error) {
          throw new DeadLetterNotDeletedError(message.messageId, { cause: error });
        }
        await deleteOffloaded(message);
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
  const attributes = message.MessageAttributes ?? {};
  const key = attributes[OFFLOAD_ATTRIBUTES.key]?.StringValue;
  const ids = key === undefined ? idsOf(body) : { batchId: attributes[OFFLOAD_ATTRIBUTES.batchId]?.StringValue ?? null, uploadId: attributes[OFFLOAD_ATTRIBUTES.uploadId]?.StringValue ?? null };
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    queue,
    messageId: message.MessageId ?? "",
    handle: message.ReceiptHandle ?? "",
    body,
    ...ids,
    reason: attributes.reason?.StringValue ?? null,
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    sentAt: Number.isFinite(sent) && sent > 0 ? new Date(sent) : null,
    offloaded: key === undefined ? null : { location: pointerLocation(body) ?? key, key, bytes: Number(attributes[OFFLOAD_ATTRIBUTES.bytes]?.StringValue ?? 0) },
  };
}

function offloadedKey(message: DeadLetterMessage): string | undefined {
  return message.offloaded?.key;
}

function pointerLocation(body: string): string | undefined {
  try {
    const pointer = JSON.parse(body) as { offloadedDeadLetter?: { location?: unknown } };
    return typeof pointer.offloadedDeadLetter?.location === "string" ? pointer.offloadedDeadLetter.location : undefined;
  } catch {
    return undefined;
  }
}

/** SQS answers a lapsed or replaced receipt handle with one of these (fauxqs: MessageNotInflight). */
function isLapsedHandle(error: unknown): boolean {
  const name = (error as { name?: string; Code?: string } | null)?.name ?? "";
  return ["MessageNotInflight", "ReceiptHandleIsInvalid", "InvalidParameterValue", "AWS.SimpleQueueService.MessageNotInflight"].includes(name) || /MessageNotInflight|ReceiptHandleIsInvalid/.test(String((error as Error)?.message ?? ""));
}
