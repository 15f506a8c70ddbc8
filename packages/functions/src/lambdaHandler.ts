import { errorMessage } from "@pipeline/core";

/**
 * A function's exported Lambda handler. Its dependencies are composed on the first invocation and
 * kept: once per cold start. What it throws reaches the runtime's log, which reads only an Error's
 * name and message, so anything else (the Neon driver rejects with its socket's ErrorEvent) is
 * thrown as an Error that describes it, the original as its cause.
 *
 * @example
 * export const handler = lambdaHandler(() => createWorkerHandler(workerDepsFromEnv()));
 */
export function lambdaHandler<A extends unknown[], R>(build: () => (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  let handler: ((...args: A) => Promise<R>) | undefined;
  return async (...args) => {
    handler ??= build();
    try {
      return await handler(...args);
    } catch (error) {
      throw error instanceof Error ? error : new Error(errorMessage(error), { cause: error });
    }
  };
}
