import { errorMessage } from "../describeError.js";

/**
 * How a queue message's fate is decided: the verdict a use case gives it, and the policy that turns
 * the verdict into what happens to the message (its settlement). The queue functions' skeleton
 * carries the settlement out; nothing else decides it.
 */

/** What to do with one queue message once its invocation is over. */
export type Verdict =
  | { kind: "done" }
  /** The work failed: deliver the message again after the delay (this attempt counts). */
  | { kind: "retry"; delaySeconds: number; reason: string }
  /**
   * A dependency (the database, a queue) was unreachable: send the message again later as a new
   * one, so an outage does not use up the attempts that real failures need.
   */
  | { kind: "requeue"; reason: string }
  | { kind: "dead-letter"; reason: string };

/** What happens to a message at the end of its invocation. */
export type Settlement =
  /** Deleted from its queue: reported as processed. */
  | { kind: "acknowledge" }
  /** Parked on the dead-letter queue with its reason, then acknowledged. */
  | { kind: "dead-letter"; reason: string }
  /** Sent again as a new message (its receive count starts over) after a delay, then acknowledged. */
  | { kind: "requeue"; reason: string; requeues: number; delaySeconds: number }
  /** Reported failed, to be delivered again once its visibility delay ends; this attempt counts. */
  | { kind: "retry"; reason: string; delaySeconds: number; requeuesExhausted: boolean };

/** The message attribute that counts how often a message was requeued. */
export const REQUEUES_ATTRIBUTE = "requeues";

/** How a message whose dependency was down goes back on its queue (numbers in the wiring's `requeue`). */
export interface RequeuePolicy {
  /** Requeues a message may go through before its failures start to count. */
  maxRequeues: number;
  baseDelaySeconds: number;
  maxDelaySeconds: number;
}

/**
 * Delay before a requeued message is seen again: base doubling up to the cap, so a short outage is
 * ridden out in seconds and a long one costs few requests.
 */
export function requeueDelaySeconds(previousRequeues: number, policy: RequeuePolicy): number {
  return Math.min(policy.maxDelaySeconds, policy.baseDelaySeconds * 2 ** Math.max(0, previousRequeues));
}

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

/**
 * The verdict for a use case that threw: the work could not reach a dependency (a use case turns
 * what is wrong with a message into a verdict of its own), so the message waits out the outage.
 */
export function dependencyFailure(doing: string, error: unknown): Extract<Verdict, { kind: "requeue" }> {
  return { kind: "requeue", reason: `${doing}: ${errorMessage(error)}` };
}

/**
 * The settlement of a message given its verdict and how often it was requeued before. A message
 * without a verdict is retried at once: losing it would break "nothing lost".
 */
export function settlementOf(verdict: Verdict | undefined, previousRequeues: number, policy: RequeuePolicy): Settlement {
  if (verdict === undefined) return { kind: "retry", reason: "no verdict for this message", delaySeconds: 0, requeuesExhausted: false };
  switch (verdict.kind) {
    case "done":
      return { kind: "acknowledge" };
    case "dead-letter":
      return { kind: "dead-letter", reason: verdict.reason };
    case "retry":
      return { kind: "retry", reason: verdict.reason, delaySeconds: verdict.delaySeconds, requeuesExhausted: false };
    case "requeue":
      if (previousRequeues < policy.maxRequeues) {
        return { kind: "requeue", reason: verdict.reason, requeues: previousRequeues + 1, delaySeconds: requeueDelaySeconds(previousRequeues, policy) };
      }
      return { kind: "retry", reason: verdict.reason, delaySeconds: requeueDelaySeconds(policy.maxRequeues, policy), requeuesExhausted: true };
  }
}
