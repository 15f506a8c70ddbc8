import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { REQUEUES_ATTRIBUTE } from "@pipeline/core";

/**
 * Sends a message again as a new one, delayed: its receive count starts over, which is the point
 * when the failure was an unreachable dependency rather than the message.
 */
export class SqsRequeue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(body: string, requeues: number, delaySeconds: number): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: body,
        // SQS's longest per-message delay is 15 minutes.
        DelaySeconds: Math.min(900, Math.max(0, Math.round(delaySeconds))),
        MessageAttributes: { [REQUEUES_ATTRIBUTE]: { DataType: "Number", StringValue: String(requeues) } },
      }),
    );
  }
}
