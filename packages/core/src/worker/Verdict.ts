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
