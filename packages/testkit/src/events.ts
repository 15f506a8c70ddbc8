import type { Message } from "@aws-sdk/client-sqs";

/** The local runner shapes SQS deliveries and Lambda contexts; tests and the benchmark build theirs the same way. */
export { createLambdaContext, toSqsEvent, type LambdaContextOptions } from "@pipeline/local";

/** A message as SQS would deliver it, with the given receive count. */
export function asDelivery(message: Message, receiveCount: number): Message {
  return { ...message, Attributes: { ...message.Attributes, ApproximateReceiveCount: String(receiveCount) } };
}
