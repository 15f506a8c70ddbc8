import { join } from "node:path";
import { run } from "@pipeline/cli";

export interface BatchctlResult {
  code: number;
  out: string;
  err: string;
}

/** Runs the operator CLI against the local stack whose stack.json is in `stackDir`. */
export async function batchctl(stackDir: string, ...args: string[]): Promise<BatchctlResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(["node", "batchctl", "--stack", join(stackDir, "stack.json"), ...args], {
    print: (text) => out.push(text),
    printError: (text) => err.push(text),
    interactive: false,
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}
