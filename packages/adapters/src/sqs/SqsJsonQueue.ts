import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";

/** Sends one JSON message to a queue; serves the batches and progress queue ports. */
export class SqsJsonQueue<T> {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(message: T, options: { delaySeconds?: number } = {}): Promise<void> {
    await this.client.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message), ...(options.delaySeconds ? { DelaySeconds: options.delaySeconds } : {}) }),
    );
  }
}
