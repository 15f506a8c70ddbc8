import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from "@aws-sdk/client-sqs";
import { mapWithConcurrency, type UploadMessage, type UploadQueue } from "@pipeline/core";
import { QueueSendError, type FailedEntry } from "./QueueSendError.js";

/** SQS's limit of entries per SendMessageBatch call. */
const ENTRIES_PER_CALL = 10;

export interface SqsUploadQueueOptions {
  /** SendMessageBatch calls in flight at once. */
  concurrency: number;
  /** Re-sends of entries SQS reports as failed for a passing reason. */
  maxRetries?: number;
  retryBaseMillis?: number;
}

/** Sends upload messages ten to a call, several calls in flight, re-sending what SQS reports failed. */
export class SqsUploadQueue implements UploadQueue {
  private readonly maxRetries: number;
  private readonly retryBaseMillis: number;

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly options: SqsUploadQueueOptions,
  ) {
    this.maxRetries = options.maxRetries ?? 4;
    this.retryBaseMillis = options.retryBaseMillis ?? 100;
  }

  async sendAll(messages: readonly UploadMessage[], options: { fairnessKey?: string } = {}): Promise<void> {
    // A standard queue with MessageGroupId is an SQS fair queue: a tenant with a backlog does not
    // hold up the others' messages (the local engine accepts the attribute and ignores it).
    const group = options.fairnessKey ? { MessageGroupId: options.fairnessKey } : {};
    const chunks: SendMessageBatchRequestEntry[][] = [];
    for (let start = 0; start < messages.length; start += ENTRIES_PER_CALL) {
      chunks.push(
        messages.slice(start, start + ENTRIES_PER_CALL).map((message, index) => ({ Id: String(index), MessageBody: JSON.stringify(message), ...group })),
      );
    }
    await mapWithConcurrency(chunks, this.options.concurrency, (entries) => this.sendChunk(entries));
  }

  private async sendChunk(entries: SendMessageBatchRequestEntry[]): Promise<void> {
    let pending = entries;
    for (let attempt = 0; ; attempt++) {
      const response = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }));
      const failed: FailedEntry[] = (response.Failed ?? []).map((entry) => ({
        id: entry.Id ?? "",
        code: entry.Code ?? "Unknown",
        message: entry.Message ?? "",
        senderFault: entry.SenderFault ?? false,
      }));
      if (failed.length === 0) return;
      if (failed.some((entry) => entry.senderFault) || attempt >= this.maxRetries) throw new QueueSendError(this.queueUrl, failed);
      const failedIds = new Set(failed.map((entry) => entry.id));
      pending = pending.filter((entry) => failedIds.has(entry.Id ?? ""));
      await new Promise((resolve) => setTimeout(resolve, this.retryBaseMillis * 2 ** attempt));
    }
  }
}
