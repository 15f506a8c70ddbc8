import { join } from "node:path";
import { run } from "@pipeline/cli";
import type { UploadProcessor } from "@pipeline/core";
import type { LocalStack } from "@pipeline/local";

import { startTestStack } from "../support/startTestStack.js";
import { SimulatedUploadProcessor } from "@pipeline/media";

export interface OperatorStack {
  stack: LocalStack;
  /** Runs `batchctl` against this stack; returns its exit code and what it printed. */
  batchctl(...args: string[]): Promise<{ code: number; out: string; err: string }>;
  close(): Promise<void>;
}

/** A local stack of the test's own, and the operator CLI pointed at its stack.json. */
export async function startOperatorStack(options: { processor?: UploadProcessor } = {}): Promise<OperatorStack> {
  const { stack, dir, close } = await startTestStack({ processor: options.processor ?? new SimulatedUploadProcessor(), runtime: "in-process" });
  return {
    stack,
    close,
    async batchctl(...args) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await run(["node", "batchctl", "--stack", join(dir, "stack.json"), ...args], {
        print: (text) => out.push(text),
        printError: (text) => err.push(text),
        interactive: false,
      });
      return { code, out: out.join("\n"), err: err.join("\n") };
    },
  };
}
