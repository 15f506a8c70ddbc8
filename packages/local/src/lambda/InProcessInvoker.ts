import type { Context } from "aws-lambda";
import { createLambdaContext } from "../runner/lambdaContext.js";
import type { FunctionInvoker, InvocationOutcome } from "./FunctionInvoker.js";

export type InProcessHandler = (event: never, context: Context) => Promise<unknown>;

export interface InProcessSettings {
  timeoutSeconds: number;
  memoryMb: number;
  region: string;
}

/**
 * Calls a handler in this process, with a Lambda context and the function's timeout: for tests of
 * the handlers on the real engines with test doubles injected (a scripted processor, a recording
 * logger). Everything else runs the deployed bundles in containers.
 */
export class InProcessInvoker implements FunctionInvoker {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    readonly functionName: string,
    private readonly handler: InProcessHandler,
    private readonly settings: InProcessSettings,
  ) {}

  async invoke(event: unknown): Promise<InvocationOutcome> {
    const { timeoutSeconds, memoryMb, region } = this.settings;
    const context = createLambdaContext({ functionName: this.functionName, timeoutMillis: timeoutSeconds * 1000, memoryMb, region });
    const invocation = this.handler(event as never, context);
    this.inFlight.add(invocation);
    void invocation.catch(() => {}).finally(() => this.inFlight.delete(invocation));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<InvocationOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ kind: "timed-out", timeoutSeconds }), timeoutSeconds * 1000);
    });
    try {
      return await Promise.race([invocation.then((payload): InvocationOutcome => ({ kind: "returned", payload })), timedOut]);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      return { kind: "error", errorType: failure.name, errorMessage: failure.message };
    } finally {
      clearTimeout(timer);
    }
  }

  /** A handler cannot be stopped in-process: waits for those in flight, at most `graceMillis`. */
  async stop(graceMillis?: number): Promise<void> {
    const drained = Promise.allSettled([...this.inFlight]);
    if (graceMillis === undefined) await drained;
    else await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, graceMillis).unref())]);
  }
}
