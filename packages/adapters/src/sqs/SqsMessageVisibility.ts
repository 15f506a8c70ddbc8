import { ChangeMessageVisibilityCommand, type SQSClient } from "@aws-sdk/client-sqs";

/** SQS's ceiling for a message's visibility timeout. */
const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

/** Schedules when a message that failed is seen again: the backoff between attempts. */
export class SqsMessageVisibility {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async delay(receiptHandle: string, seconds: number): Promise<void> {
    const timeout = Math.max(0, Math.min(MAX_VISIBILITY_SECONDS, Math.round(seconds)));
    await this.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: timeout }));
  }
}
