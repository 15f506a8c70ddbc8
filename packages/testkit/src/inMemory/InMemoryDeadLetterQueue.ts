import type { DeadLetterInspector, DeadLetterMessage, DeadLetterStore, HeldDeadLetter, QueueName } from "@pipeline/core";

export type DeadLetterInput = Partial<Omit<DeadLetterMessage, "queue" | "messageId" | "body">> & { body: string };

/**
 * One dead-letter queue: a held message stays invisible to the next `hold` until it is released
 * or moved, as an SQS receive with a visibility timeout. Moved bodies land in `source`.
 */
export class InMemoryDeadLetterQueue implements DeadLetterStore {
  readonly source: string[] = [];
  private readonly messages: DeadLetterMessage[] = [];
  private readonly held = new Set<string>();
  private nextId = 1;

  constructor(readonly queue: QueueName) {}

  add(input: DeadLetterInput): DeadLetterMessage {
    const message: DeadLetterMessage = {
      queue: this.queue,
      messageId: `dlq-${this.queue}-${this.nextId++}`,
      batchId: null,
      uploadId: null,
      reason: null,
      receiveCount: 1,
      sentAt: null,
      ...input,
    };
    this.messages.push(message);
    return message;
  }

  /** What is still in the queue, held or not. */
  get remaining(): readonly DeadLetterMessage[] {
    return this.messages;
  }

  peek(max: number): DeadLetterMessage[] {
    return this.messages.filter((message) => !this.held.has(message.messageId)).slice(0, max);
  }

  async hold(max: number): Promise<HeldDeadLetter[]> {
    const visible = this.peek(max);
    for (const message of visible) this.held.add(message.messageId);
    return visible.map((message) => ({ ...message, handle: message.messageId }));
  }

  async moveToSource(message: HeldDeadLetter): Promise<void> {
    const index = this.messages.findIndex((candidate) => candidate.messageId === message.handle);
    if (index < 0) throw new Error(`dead letter ${message.messageId} is no longer in the ${this.queue} dead-letter queue`);
    this.source.push(message.body);
    this.messages.splice(index, 1);
    this.held.delete(message.handle);
  }

  async release(messages: readonly HeldDeadLetter[]): Promise<void> {
    for (const message of messages) this.held.delete(message.handle);
  }
}

/** Reads the dead-letter queues given to it, without consuming them. */
export class InMemoryDeadLetterInspector implements DeadLetterInspector {
  constructor(private readonly queues: readonly InMemoryDeadLetterQueue[]) {}

  async peek(queue: QueueName, max: number): Promise<DeadLetterMessage[]> {
    return this.queues.filter((candidate) => candidate.queue === queue).flatMap((candidate) => candidate.peek(max));
  }
}
