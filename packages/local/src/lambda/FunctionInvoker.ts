/** How an invocation ended, as the caller of a Lambda function (an event source, API Gateway) sees it. */
export type InvocationOutcome =
  | { kind: "returned"; payload: unknown }
  /** The handler threw or rejected, or the module failed to load (`Runtime.ImportModuleError`). */
  | { kind: "error"; errorType: string; errorMessage: string }
  /** The function ran past its timeout; its container was stopped. */
  | { kind: "timed-out"; timeoutSeconds: number }
  /** The container died during the invocation: `process.exit`, a signal, out of memory. */
  | { kind: "crashed"; reason: string };

/** Runs one function's invocations: in containers (the local stack) or in this process (handler tests). */
export interface FunctionInvoker {
  readonly functionName: string;
  invoke(event: unknown): Promise<InvocationOutcome>;
  /** Lets invocations in flight finish (at most `graceMillis`), then releases everything the invoker holds. */
  stop(graceMillis?: number): Promise<void>;
}

/** A one-line account of an outcome that is not a return, for logs and error frames. */
export function describeOutcome(outcome: Exclude<InvocationOutcome, { kind: "returned" }>): string {
  switch (outcome.kind) {
    case "error":
      return `${outcome.errorType}: ${outcome.errorMessage}`;
    case "timed-out":
      return `Task timed out after ${outcome.timeoutSeconds.toFixed(2)} seconds`;
    case "crashed":
      return `Runtime exited: ${outcome.reason}`;
  }
}
