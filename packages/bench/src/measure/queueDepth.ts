import { GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";

export interface QueueDepth {
  /** Messages waiting to be received. */
  waiting: number;
  /** Received and not yet deleted: the worker's invocations hold them. */
  received: number;
  /** Sent with a delay (requeues, retries) that is not over. */
  delayed: number;
}

/** A queue's approximate depth, as SQS (here the local engine) reports it. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const { Attributes: attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
    }),
  );
  return {
    waiting: Number(attributes.ApproximateNumberOfMessages ?? 0),
    received: Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}
