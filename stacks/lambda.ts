/** What every function of the app shares, with its timeout and memory from the wiring. */
export function lambdaSettings(settings: { timeoutSeconds: number; memoryMb: number }) {
  return {
    runtime: "nodejs22.x",
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
