import type { SQSClient } from "@aws-sdk/client-sqs";

/**
 * Counts the requests an SQS client sends, by command, through a middleware on the client's own
 * stack: every function of the local stack shares `pipeline.sqs`, so no hook in the stack is needed.
 * A request is counted once per `send`; the SDK's own retries (none against the local engine) are not.
 */
export class SqsRequestCounter {
  private counts = new Map<string, number>();

  attach(client: SQSClient): void {
    client.middlewareStack.add(
      (next, context) => (args) => {
        const command = (context.commandName ?? "Unknown").replace(/Command$/, "");
        this.counts.set(command, (this.counts.get(command) ?? 0) + 1);
        return next(args);
      },
      { step: "initialize", name: "benchSqsRequestCounter" },
    );
  }

  reset(): void {
    this.counts = new Map();
  }

  byCommand(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }

  total(): number {
    let sum = 0;
    for (const count of this.counts.values()) sum += count;
    return sum;
  }
}
