import type { BatchMessage, BatchQueue, ProgressMessage, ProgressQueue, UploadMessage, UploadQueue } from "@pipeline/core";

/**
 * A queue that keeps what was sent, in order. Set `unreachable` to make every send throw it, as
 * an SQS adapter does while the queue cannot be reached.
 */
class InMemoryQueue<M> {
  readonly messages: M[] = [];
  unreachable: Error | undefined;

  protected accept(messages: readonly M[]): void {
    if (this.unreachable) throw this.unreachable;
    this.messages.push(...messages.map((message) => structuredClone(message)));
  }
}

export class InMemoryBatchQueue extends InMemoryQueue<BatchMessage> implements BatchQueue {
  async send(message: BatchMessage): Promise<void> {
    this.accept([message]);
  }
}

export class InMemoryUploadQueue extends InMemoryQueue<UploadMessage> implements UploadQueue {
  async sendAll(messages: readonly UploadMessage[]): Promise<void> {
    this.accept(messages);
  }
}

export class InMemoryProgressQueue extends InMemoryQueue<ProgressMessage> implements ProgressQueue {
  async send(message: ProgressMessage): Promise<void> {
    this.accept([message]);
  }
}
