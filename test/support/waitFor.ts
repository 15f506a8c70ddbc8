/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMillis`. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMillis = 60_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMillis;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMillis} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}
