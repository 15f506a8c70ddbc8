import { DeadLetterNotDeletedError, type DeadLetterInspector, type DeadLetterMessage, type DeadLetterStore, type HeldDeadLetter, type QueueName } from "@pipeline/core";

interface Parked {
  messageId: string;
  body: string;
  reason: string | null;
  receiveCount: number;
  sentAt: Date;
  held: boolean;
}

/**
 * One dead-letter queue: a held message stays invisible to the next `hold` until it is released
 * or moved, as an SQS receive with a visibility timeout, and every hold counts as a receive.
 * Moved bodies land in `source`. Ids are read from the body, as operators' tools read them.
 */
export class InMemoryDeadLetterQueue implements DeadLetterStore {
  readonly source: string[] = [];
  /** Messages whose delete fails after their body was sent (an expired handle): they stay parked. */
  readonly failingDeletes = new Set<string>();
  private readonly parked: Parked[] = [];
  private nextId = 1;

  constructor(
    readonly queue: QueueName,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Parks a message as the worker's dead-lettering does, with its reason. */
  park(body: string, reason: string | null = null): void {
    this.parked.push({ messageId: `dlq-${this.queue}-${this.nextId++}`, body, reason, receiveCount: 0, sentAt: this.now(), held: false });
  }

  /** What is still in the queue, held or not. */
  get remaining(): DeadLetterMessage[] {
    return this.parked.map((message) => this.toMessage(message));
  }

  /** What another reader would receive now: the messages not held. */
  get visible(): DeadLetterMessage[] {
    return this.parked.filter((message) => !message.held).map((message) => this.toMessage(message));
  }

  async hold(max: number): Promise<HeldDeadLetter[]> {
    const visible = this.parked.filter((message) => !message.held).slice(0, Math.max(1, Math.min(10, max)));
    for (const message of visible) Object.assign(message, { held: true, receiveCount: message.receiveCount + 1 });
    return visible.map((message) => ({ ...this.toMessage(message), handle: message.messageId }));
  }

  async extend(messages: readonly HeldDeadLetter[]): Promise<Set<string>> {
    return new Set(messages.filter((message) => !this.parked.some((candidate) => candidate.messageId === message.handle && candidate.held)).map((message) => message.messageId));
  }

  async moveToSource(message: HeldDeadLetter): Promise<void> {
    const index = this.parked.findIndex((candidate) => candidate.messageId === message.handle);
    if (index < 0) throw new Error(`dead letter ${message.messageId} is no longer in the ${this.queue} dead-letter queue`);
    this.source.push(message.body);
    if (this.failingDeletes.has(message.messageId)) throw new DeadLetterNotDeletedError(message.messageId);
    this.parked.splice(index, 1);
  }

  async release(messages: readonly HeldDeadLetter[]): Promise<void> {
    for (const message of this.parked) if (messages.some((released) => released.handle === message.messageId)) message.held = false;
  }

  private toMessage(message: Parked): DeadLetterMessage {
    const ids = idsOf(message.body);
    return { queue: this.queue, messageId: message.messageId, body: message.body, ...ids, reason: message.reason, receiveCount: message.receiveCount, sentAt: message.sentAt, offloaded: null };
  }
}

function idsOf(body: string): { batchId: string | null; uploadId: string | null } {
  try {
    const json: unknown = JSON.parse(body);
    const parsed = (typeof json === "object" && json !== null ? json : {}) as { batchId?: unknown; uploadId?: unknown };
    return { batchId: typeof parsed.batchId === "string" ? parsed.batchId : null, uploadId: typeof parsed.uploadId === "string" ? parsed.uploadId : null };
  } catch {
    return { batchId: null, uploadId: null };
  }
}

/** Reads the dead-letter queues given to it as `SqsDeadLetters` does: holds what it can see, then releases it (each read counts a receive). */
export class InMemoryDeadLetterInspector implements DeadLetterInspector {
  constructor(private readonly queues: readonly InMemoryDeadLetterQueue[]) {}

  async peek(queue: QueueName, max: number): Promise<DeadLetterMessage[]> {
    const found: DeadLetterMessage[] = [];
    for (const candidate of this.queues.filter((one) => one.queue === queue)) {
      const held: HeldDeadLetter[] = [];
      for (;;) {
        const batch = await candidate.hold(Math.min(10, max - found.length - held.length));
        held.push(...batch);
        if (batch.length === 0 || found.length + held.length >= max) break;
      }
      await candidate.release(held);
      found.push(...held.map(({ handle: _handle, ...message }) => message));
    }
    return found;
  }

  async originalBody(message: DeadLetterMessage): Promise<string> {
    return message.body;
  }
}
