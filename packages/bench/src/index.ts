export { runBenchmark, type RunBenchmarkOptions } from "./runBenchmark.js";
export { fullSettings, quickSettings, type BenchmarkSettings } from "./settings.js";
export type { BenchmarkReport } from "./report/BenchmarkReport.js";
export { brokenInvariants, flowControlInvariants } from "./report/brokenInvariants.js";
export { formatTable } from "./report/formatTable.js";
export { brokenFlowControlInvariants, formatFlowControlTable, runFlowControlBenchmark, type FlowControlReport } from "./runFlowControlBenchmark.js";
