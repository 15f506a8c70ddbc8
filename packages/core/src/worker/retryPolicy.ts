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
