import { deployedFunctions, wiring as deployedWiring } from "@pipeline/wiring";
import { percentile } from "../measure/percentile.js";
import type { ContainerFigures, StackContainers } from "./BenchmarkReport.js";

/**
 * Per deployed function: its cold starts over every stack of the benchmark (the bundles are the
 * same on each), and the peak memory of its containers on `memoryStack`.
 */
export function summarizeContainers(stacks: StackContainers[], memoryStack: string): ContainerFigures {
  const functions = deployedFunctions(deployedWiring).map((fn) => {
    const inits = stacks.flatMap((stack) => stack.coldStarts.filter((start) => start.functionName === fn.name).map((start) => start.initMillis));
    const firsts = stacks.flatMap((stack) => stack.coldStarts.find((start) => start.functionName === fn.name)?.initMillis ?? []);
    const memory = stacks
      .filter((stack) => stack.stack === memoryStack)
      .flatMap((stack) => stack.peakMemory.filter((container) => container.functionName === fn.name).flatMap((container) => container.peakMemoryMb ?? []));
    return {
      functionName: fn.name,
      memorySizeMb: fn.memoryMb,
      coldStarts: inits.length,
      firstInitMillis: median(firsts),
      initP50Millis: median(inits),
      initMaxMillis: inits.length > 0 ? Math.max(...inits) : null,
      containers: memory.length,
      peakMemoryP50Mb: median(memory),
      peakMemoryMaxMb: memory.length > 0 ? Math.max(...memory) : null,
    };
  });
  return { memoryStack, functions, stacks };
}

function median(samples: number[]): number | null {
  return samples.length > 0 ? percentile(samples, 50) : null;
}
