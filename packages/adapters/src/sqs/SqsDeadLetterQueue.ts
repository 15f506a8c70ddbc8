import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";

export interface DeadLetter {
  body: string;
  reason: string;
  sourceQueue: string;
  messageId: string;
}

/**
 * Parks a message that can never succeed, with its reason as message attributes for operators.
 * The body is kept as received so a fixed message can be redriven as is.
 */
export class SqsDeadLetterQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(letter: DeadLetter): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: letter.body.length > 0 ? letter.body : "(empty body)",
        MessageAttributes: {
          reason: { DataType: "String", StringValue: letter.reason.slice(0, 1000) },
          sourceQueue: { DataType: "String", StringValue: letter.sourceQueue },
          originalMessageId: { DataType: "String", StringValue: letter.messageId },
          failedAt: { DataType: "String", StringValue: new Date().toISOString() },
        },
      }),
    );
  }
}
