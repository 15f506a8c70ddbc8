import type { LambdaNodeRuntime } from "./types.js";

/** The Node major of a Lambda runtime identifier: 24 for `nodejs24.x`. */
export function runtimeMajor(runtime: LambdaNodeRuntime): number {
  const match = /^nodejs(\d+)\.x$/.exec(runtime);
  if (!match?.[1]) throw new Error(`not a Lambda Node.js runtime: ${runtime}`);
  return Number(match[1]);
}
