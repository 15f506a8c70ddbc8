import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "@pipeline/cli/main";
import type { UploadProcessor } from "@pipeline/core";
import { startLocalStack, type LocalStack } from "@pipeline/local/stack/startLocalStack";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";

export interface OperatorStack {
  stack: LocalStack;
  /** Runs `batchctl` against this stack; returns its exit code and what it printed. */
  batchctl(...args: string[]): Promise<{ code: number; out: string; err: string }>;
  close(): Promise<void>;
}

/** A local stack of the test's own, and the operator CLI pointed at its stack.json. */
export async function startOperatorStack(options: { processor?: UploadProcessor } = {}): Promise<OperatorStack> {
  const dir = await mkdtemp(join(tmpdir(), "pipeline-ops-"));
  const database: TestDatabase = await createTestDatabase();
  const stack = await startLocalStack({
    dir,
    ports: { http: 0, gateway: 0, sqs: 0, postgres: 0, pgProxy: 0 },
    databaseUrl: database.url,
    uploadProcessor: "simulated",
    ...(options.processor ? { processor: options.processor } : {}),
  });
  return {
    stack,
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
    async close() {
      await stack.stop();
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
