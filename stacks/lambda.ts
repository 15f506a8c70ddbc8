import { objectKeys, wiring } from "@pipeline/wiring";

/** What every function of the app shares: the wiring's runtime, and its own timeout and memory. */
export function lambdaSettings(settings: { timeoutSeconds: number; memoryMb: number }) {
  return {
    runtime: wiring.runtime,
    timeout: `${settings.timeoutSeconds} seconds`,
    memory: `${settings.memoryMb} MB`,
  } satisfies Partial<sst.aws.FunctionArgs>;
}

/**
 * SendMessage on the given queues; SendMessageBatch is authorised by the same action. Queues are
 * not linked: a link grants `sqs:*`, and the functions find their queues in their environment.
 */
export function sendTo(...queues: sst.aws.Queue[]): sst.aws.FunctionPermissionArgs {
  return { actions: ["sqs:SendMessage"], resources: queues.map((queue) => queue.arn) };
}

/**
 * PutObject under the media bucket's `dead-letters/`: a function that parks bad messages writes
 * there a body too large for SQS once its reason is attached (the DLQ gets a pointer).
 */
export function parkLargeDeadLetters(bucket: sst.aws.Bucket): sst.aws.FunctionPermissionArgs {
  return { actions: ["s3:PutObject"], resources: [$interpolate`${bucket.arn}/${objectKeys.deadLettersPrefix}*`] };
}
