import { SendMessageCommand, type MessageAttributeValue, type SQSClient } from "@aws-sdk/client-sqs";
import { SQS_MAX_MESSAGE_BYTES, type OffloadedBodies } from "./OffloadedBodies.js";

export interface DeadLetter {
  body: string;
  reason: string;
  sourceQueue: string;
  messageId: string;
}

/** How a dead letter was parked: as is, or its body offloaded and a pointer parked in its place. */
export type Parked = { offloaded: false } | { offloaded: true; location: string; bytes: number };

/** Attributes a pointer carries besides the reason: the key of the body and its ids, for listing. */
export const OFFLOAD_ATTRIBUTES = { key: "bodyKey", bytes: "bodyBytes", batchId: "batchId", uploadId: "uploadId" } as const;

export interface SqsDeadLetterQueueOptions {
  /** Where bodies too large to park with their reason go. Without it such a message cannot be parked (the send throws). */
  bodies?: OffloadedBodies;
  /** The queue's limit on body plus attributes. Default: SQS's (and fauxqs's) 1 MiB. */
  maxMessageBytes?: number;
}

const encoder = new TextEncoder();

/**
 * Parks a message that can never succeed, with its reason as message attributes for operators.
 * The body is kept as received so a fixed message can be redriven as is. A body that would pass
 * SQS's limit once the reason is attached is written to object storage (`dead-letters/<source
 * queue>/<message id>`) and a small pointer is parked with the reason instead; a redrive sends
 * the original body back and deletes the object.
 */
export class SqsDeadLetterQueue {
  private readonly maxMessageBytes: number;

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly options: SqsDeadLetterQueueOptions = {},
  ) {
    this.maxMessageBytes = options.maxMessageBytes ?? SQS_MAX_MESSAGE_BYTES;
  }

  async send(letter: DeadLetter): Promise<Parked> {
    const body = letter.body.length > 0 ? letter.body : "(empty body)";
    const attributes: Record<string, MessageAttributeValue> = {
      reason: text(letter.reason.slice(0, 1000)),
      sourceQueue: text(letter.sourceQueue),
      originalMessageId: text(letter.messageId),
      failedAt: text(new Date().toISOString()),
    };
    if (messageBytes(body, attributes) <= this.maxMessageBytes) {
      await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: body, MessageAttributes: attributes }));
      return { offloaded: false };
    }
    const { bodies } = this.options;
    const bytes = encoder.encode(body).length;
    if (!bodies) throw new RangeError(`dead letter ${letter.messageId} (${bytes} bytes) is too large to park with its reason, and no object storage is configured for its body`);
    const key = `${bodies.prefix}${encodeURIComponent(letter.sourceQueue)}/${encodeURIComponent(letter.messageId)}`;
    await bodies.put(key, body);
    const location = bodies.locationOf(key);
    const ids = idsOf(body);
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        // Matches no message schema: a pointer sent to a source queue by other means is parked again, not processed.
        MessageBody: JSON.stringify({ offloadedDeadLetter: { location, bytes } }),
        MessageAttributes: {
          ...attributes,
          [OFFLOAD_ATTRIBUTES.key]: text(key),
          [OFFLOAD_ATTRIBUTES.bytes]: { DataType: "Number", StringValue: String(bytes) },
          ...(ids.batchId ? { [OFFLOAD_ATTRIBUTES.batchId]: text(ids.batchId) } : {}),
          ...(ids.uploadId ? { [OFFLOAD_ATTRIBUTES.uploadId]: text(ids.uploadId) } : {}),
        },
      }),
    );
    return { offloaded: true, location, bytes };
  }
}

function text(value: string): MessageAttributeValue {
  return { DataType: "String", StringValue: value };
}

/** What SQS counts against its limit: the body, and each attribute's name, type and value. */
function messageBytes(body: string, attributes: Record<string, MessageAttributeValue>): number {
  let bytes = encoder.encode(body).length;
  for (const [name, value] of Object.entries(attributes)) {
    bytes += encoder.encode(name).length + encoder.encode(value.DataType ?? "").length + encoder.encode(value.StringValue ?? "").length;
  }
  return bytes;
}

/** The ids of a JSON body, short ones only (a pointer's attributes stay small). */
export function idsOf(body: string): { batchId: string | null; uploadId: string | null } {
  let parsed: { batchId?: unknown; uploadId?: unknown } = {};
  try {
    const json: unknown = JSON.parse(body);
    if (typeof json === "object" && json !== null) parsed = json as typeof parsed;
  } catch {
    // A malformed body is exactly what a dead-letter queue holds; it is listed without ids.
  }
  const id = (value: unknown) => (typeof value === "string" && value.length <= 100 ? value : null);
  return { batchId: id(parsed.batchId), uploadId: id(parsed.uploadId) };
}
