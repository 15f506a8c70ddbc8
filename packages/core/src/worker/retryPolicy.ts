export interface RetryPolicy {
  /** The engine's max receive count for the queue: the attempt with this count is the last. */
  maxReceiveCount: number;
  baseDelaySeconds: number;
  maxDelaySeconds: number;
}

export type RetryDecision = { kind: "retry"; delaySeconds: number } | { kind: "give-up" };

/** Exponential backoff by receive count; the last allowed attempt gives up so the upload can be counted. */
export function decideRetry(receiveCount: number, policy: RetryPolicy): RetryDecision {
  if (receiveCount >= policy.maxReceiveCount) return { kind: "give-up" };
  const delay = policy.baseDelaySeconds * 2 ** Math.max(0, receiveCount - 1);
  return { kind: "retry", delaySeconds: Math.min(policy.maxDelaySeconds, Math.round(delay)) };
}

/** Requeues a message may go through before its failures start to count (about 40 minutes of outage). */
export const MAX_REQUEUES = 12;

/**
 * Delay before a requeued message (a dependency was down) is seen again: 5 s doubling to 5 min, so
 * a short outage is ridden out in seconds and a long one costs few requests.
 */
export function requeueDelaySeconds(previousRequeues: number): number {
  return Math.min(300, 5 * 2 ** Math.max(0, previousRequeues));
}
