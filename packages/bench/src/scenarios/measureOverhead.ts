import type { BenchStack } from "../environment/startBenchStack.js";
import type { Overhead } from "../report/BenchmarkReport.js";
import { runSideBySide } from "../runs/runSideBySide.js";
import type { BenchmarkSettings } from "../settings.js";
import type { BenchContext } from "./BenchContext.js";

/**
 * What the system itself costs, with a processor that takes no time: end-to-end throughput, CPU,
 * statements, SQS requests and pushes per upload, for the pipeline (deployed wiring) and for the
 * seed's worker on a batch of its own size (`overheadSeedUploads`). `bench` must run a 0 ms processor.
 */
export async function measureOverhead(context: BenchContext, bench: BenchStack, settings: BenchmarkSettings): Promise<Overhead> {
  const uploads = settings.overheadUploads;
  const { pipeline, seed } = await runSideBySide(context, bench, settings, { pipeline: uploads, seed: settings.overheadSeedUploads }, 0);
  const { statements } = context.database;
  return {
    uploads,
    statementCounting: "unavailable" in statements ? statements.unavailable : "pg_stat_statements (every statement the server ran in the database, from every client)",
    pipeline,
    seed,
  };
}
