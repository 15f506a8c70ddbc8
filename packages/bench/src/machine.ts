import { cpus, platform, release, totalmem } from "node:os";
import type { Machine } from "./report/BenchmarkReport.js";

/** `loadAverageAtStart` must be read before the benchmark loads the machine itself. */
export function describeMachine(postgres: string, loadAverageAtStart: number): Machine {
  const cores = cpus();
  return {
    cpus: cores.length,
    cpuModel: cores[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    postgres,
    platform: `${platform()} ${release()}`,
    loadAverageAtStart,
  };
}
