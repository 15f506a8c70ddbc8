import type { BenchDatabase } from "../environment/startBenchDatabase.js";

/** What every scenario shares: the Postgres under test, the client token secret, and where warnings go. */
export interface BenchContext {
  database: BenchDatabase;
  authSecret: string;
  warn(message: string): void;
}
