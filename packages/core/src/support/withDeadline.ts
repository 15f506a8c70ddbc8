import { ProcessingTimeoutError } from "../errors.js";

/**
 * Runs `work` with an abort signal that fires after `timeoutMillis`; rejects with
 * `ProcessingTimeoutError` then, even if the work ignores the signal.
 */
export async function withDeadline<T>(timeoutMillis: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (timeoutMillis <= 0) throw new ProcessingTimeoutError(Math.max(0, timeoutMillis));
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new ProcessingTimeoutError(timeoutMillis);
      controller.abort(error);
      reject(error);
    }, timeoutMillis);
  });
  try {
    return await Promise.race([work(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
