import type { BuiltFunctions } from "@pipeline/local";
import type { BenchDatabase } from "../environment/startBenchDatabase.js";
import type { StackContainers } from "../report/BenchmarkReport.js";

/** What every scenario shares: the Postgres under test, the client token secret, the functions' bundles, and where warnings and container figures go. */
export interface BenchContext {
  database: BenchDatabase;
  authSecret: string;
  /** Built once for the whole benchmark: every stack's containers run these. */
  built: BuiltFunctions;
  warn(message: string): void;
  /** Each stack's cold starts and its containers' peak memory, recorded when it stops. */
  recordContainers(containers: StackContainers): void;
}
