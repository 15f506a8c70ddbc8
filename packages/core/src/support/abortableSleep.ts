/**
 * Waits `millis`, or rejects as soon as `signal` aborts, with the signal's own reason (a deadline's
 * `ProcessingTimeoutError`, say), where Node's timer would reject with a generic AbortError.
 */
export async function abortableSleep(millis: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, millis);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
