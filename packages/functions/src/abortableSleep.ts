import { setTimeout as wait } from "node:timers/promises";

/**
 * Waits `millis`, or rejects as soon as `signal` aborts, with the signal's own reason (a deadline's
 * `ProcessingTimeoutError`, say), where Node's timer would reject with a generic AbortError.
 */
export async function abortableSleep(millis: number, signal: AbortSignal): Promise<void> {
  await wait(millis, undefined, { signal }).catch((error: unknown) => {
    signal.throwIfAborted();
    throw error;
  });
}
