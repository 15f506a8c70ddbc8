/** What to do with one queue message once its invocation is over. */
export type Verdict =
  | { kind: "done" }
  | { kind: "retry"; delaySeconds: number; reason: string }
  | { kind: "dead-letter"; reason: string };
