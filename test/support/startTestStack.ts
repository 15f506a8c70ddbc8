import { rm } from "node:fs/promises";
import { inject } from "vitest";
import { scratchDir, startLocalStack, containerLogPrinter, type InProcessPipeline, type LocalStack, type LocalStackOptions } from "@pipeline/local";
import { createTestDatabase } from "./testDatabase.js";

export interface TestStack {
  stack: LocalStack;
  /** The stack's folder (its stack.json is there). */
  dir: string;
  close(): Promise<void>;
}

export const ANY_PORTS = { http: 0, gateway: 0, sqs: 0, postgres: 0, pgProxy: 0, pooler: 0 };

/**
 * The local stack on free ports, in a folder and a database of the test's own, its functions on
 * the run's pgbouncer. The worker is not niced: two test files run at once, and a niced worker in
 * one starves behind the other's work (a 300-image batch took over 90 s next to the chaos round).
 */
export async function startTestStack(options: Omit<LocalStackOptions, "dir" | "ports" | "databaseUrl"> = {}): Promise<TestStack> {
  const dir = await scratchDir("pipeline-stack-");
  const database = await createTestDatabase();
  const stack = await startLocalStack({ dir, ports: ANY_PORTS, databaseUrl: database.url, pooledDatabaseUrl: database.pooledUrl(), built: inject("builtFunctions"), containerLog: printWarnings, niceBackground: false, ...options });
  return {
    stack,
    dir,
    async close() {
      await stack.stop();
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The handlers of a stack started with `runtime: "in-process"`, for tests that wrap them. */
export function inProcessPipeline(stack: LocalStack): InProcessPipeline {
  if (!stack.inProcess) throw new Error('the stack runs its functions in containers: start it with runtime: "in-process" to reach its handlers');
  return stack.inProcess;
}

/**
 * Starts `count` containers of a queue function at once and waits for them (as provisioned
 * concurrency would), so that a test's timing does not include cold starts: many at once take
 * seconds each on a busy machine.
 */
export async function warmContainers(stack: LocalStack, functionName: string, count: number): Promise<void> {
  if (!stack.containers) throw new Error("the stack runs its functions in-process: there are no containers to warm");
  const pool = stack.containers.pool(functionName);
  const outcomes = await Promise.all(Array.from({ length: count }, () => pool.invoke({ Records: [] })));
  const failed = outcomes.find((outcome) => outcome.kind !== "returned");
  if (failed) throw new Error(`warming ${functionName}: ${JSON.stringify(failed)}`);
}

/** Keeps a test's output readable: the containers' warnings and errors, and the runtime's own lines (cold starts, exits). */
export const printWarnings = containerLogPrinter("warnings");
