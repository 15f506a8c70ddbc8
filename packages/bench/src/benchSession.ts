import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { join } from "node:path";
import { buildFunctions, REPOSITORY_ROOT, type BuiltFunctions } from "@pipeline/local";
import { wiring as deployedWiring } from "@pipeline/wiring";
import { startBenchDatabase } from "./environment/startBenchDatabase.js";
import { describeMachine } from "./machine.js";
import type { Machine, StackContainers } from "./report/BenchmarkReport.js";
import type { BenchContext } from "./scenarios/BenchContext.js";
import type { BenchmarkSettings } from "./settings.js";

export interface RunBenchmarkOptions {
  settings: BenchmarkSettings;
  /** Measure this Postgres instead of an embedded one of the benchmark's own. */
  databaseUrl?: string | undefined;
  /** Progress lines while it runs. */
  log?: (line: string) => void;
  /** The deployed functions' bundles when built already (the test suite builds them once); built and cached otherwise. */
  built?: BuiltFunctions;
}

/** What a run's scenarios share, and what its report says about the run itself. */
export interface BenchSession {
  context: BenchContext;
  log: (line: string) => void;
  /** Each stack's containers, as recorded when it stopped. */
  stacks: StackContainers[];
  /** The report's header: when, how long, on what. */
  header(): { startedAt: string; durationSeconds: number; machine: Machine };
  /** The warnings so far, the different ones beyond the limit counted in a last line. */
  warnings(): string[];
}

/** Different warnings are kept up to this many; the rest are only counted. */
const MAX_WARNINGS = 50;
/** Kept between runs: rebuilt only when a file the bundles are made of changed. */
const BUILT_FUNCTIONS_DIR = join(REPOSITORY_ROOT, "node_modules", ".cache", "pipeline-bench-functions");

/** Builds (or takes) the functions' bundles, starts the database, runs `measure` and stops the database, whatever happened. */
export async function withBenchSession<T>(options: RunBenchmarkOptions, measure: (session: BenchSession) => Promise<T>): Promise<T> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const loadAverageAtStart = loadavg()[0] ?? 0;
  const warnings: string[] = [];
  let dropped = 0;
  const warn = (message: string) => {
    if (warnings.includes(message)) return;
    if (warnings.length < MAX_WARNINGS) warnings.push(message);
    else dropped++;
  };

  if (!options.built) log("functions  building the deployed bundles (cached between runs)");
  const built = options.built ?? (await buildFunctions(deployedWiring, BUILT_FUNCTIONS_DIR));
  log(options.databaseUrl ? "postgres   DATABASE_URL" : "postgres   starting an embedded server");
  const database = await startBenchDatabase(options.databaseUrl);
  const stacks: StackContainers[] = [];
  const context: BenchContext = { database, authSecret: randomBytes(48).toString("base64url"), built, warn, recordContainers: (stack) => stacks.push(stack) };
  try {
    return await measure({
      context,
      log,
      stacks,
      header: () => ({
        startedAt: new Date(started).toISOString(),
        durationSeconds: (Date.now() - started) / 1000,
        machine: describeMachine(database.description, loadAverageAtStart),
      }),
      warnings: () => (dropped > 0 ? [...warnings, `... and ${dropped} more different warnings`] : [...warnings]),
    });
  } finally {
    await database.stop();
  }
}
