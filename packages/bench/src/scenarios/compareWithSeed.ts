import { wiring as deployedWiring } from "@pipeline/wiring";
import { startBenchStack } from "../environment/startBenchStack.js";
import type { SeedComparison } from "../report/BenchmarkReport.js";
import { runSideBySide } from "../runs/runSideBySide.js";
import type { BenchmarkSettings } from "../settings.js";
import type { BenchContext } from "./BenchContext.js";

/**
 * The pipeline and the seed's sequential worker on identical batches, in the same run, against the
 * same Postgres, with the same simulated latency. The pipeline's worker keeps batch size × max
 * concurrency uploads in processing at once.
 */
export async function compareWithSeed(context: BenchContext, settings: BenchmarkSettings): Promise<SeedComparison> {
  const { latencyMillis, comparisonUploads: uploads, comparisonWorker: worker } = settings;
  const wiring = structuredClone(deployedWiring);
  wiring.functions.worker.batchSize = worker.batchSize;
  wiring.functions.worker.maxConcurrency = worker.maxConcurrency;
  const bench = await startBenchStack(context, { name: `${latencyMillis} ms processor, worker ${worker.batchSize} x ${worker.maxConcurrency}`, wiring, latencyMillis });
  try {
    const { pipeline, seed } = await runSideBySide(context, bench, settings, { pipeline: uploads, seed: uploads }, latencyMillis);
    const idealSeconds = (uploads * latencyMillis) / (worker.batchSize * worker.maxConcurrency) / 1000;
    return {
      uploads,
      latencyMillis,
      worker,
      idealSeconds,
      pipeline,
      seed,
      ratio: pipeline.run.uploadsPerSecond / seed.run.uploadsPerSecond,
      efficiency: idealSeconds / pipeline.run.processingSeconds,
      endToEnd: {
        ratio: pipeline.run.endToEndUploadsPerSecond / seed.run.endToEndUploadsPerSecond,
        efficiency: idealSeconds / pipeline.run.endToEndSeconds,
      },
    };
  } finally {
    await bench.stop();
  }
}
