import type { BenchmarkReport, RunCosts } from "./BenchmarkReport.js";
import { flowControlRows } from "./flowControlRows.js";
import { count, num, optional, renderRows, targetCells, type Cell, type Row } from "./tableCells.js";

/** The report as a plain-text table: each figure beside the seed port's, and next to its target. */
export function formatTable(report: BenchmarkReport): string {
  const { seedComparison: c, overhead: o, fanOut, counterContention: k, completionLatency: l, realImages: r, containers } = report;
  const smallest = fanOut[0];
  const largest = fanOut[fanOut.length - 1];
  const { workerMaxConcurrency } = report.settings;
  const wiringName = describeWiring(workerMaxConcurrency);
  const target = (id: string): [Cell, Cell] => targetCells(report.targets, id);
  const rows: Row[] = [
    { section: `Against the seed: ${count(c.uploads)} uploads, ${c.latencyMillis} ms simulated latency, worker ${c.worker.batchSize} x ${c.worker.maxConcurrency}` },
    ["seconds, hand-over to the last upload's commit", num(c.pipeline.run.processingSeconds, 2), num(c.seed.run.processingSeconds, 2), "", ""],
    ["uploads/s", num(c.pipeline.run.uploadsPerSecond, 1), num(c.seed.run.uploadsPerSecond, 1), "", ""],
    ["ratio (pipeline / seed port)", `${num(c.ratio, 1)} x`, "", ...target("ratio")],
    [`efficiency (ideal ${num(c.idealSeconds, 2)} s / measured)`, num(c.efficiency, 2), "", ...target("efficiency")],
    ["seconds, hand-over to the completion push", num(c.pipeline.run.endToEndSeconds, 2), num(c.seed.run.endToEndSeconds, 2), "", ""],
    ["end to end: ratio / efficiency", `${num(c.endToEnd.ratio, 1)} x / ${num(c.endToEnd.efficiency, 2)}`, "", "", ""],
    ["WebSocket pushes per batch per connection", count(c.pipeline.run.pushes), count(c.seed.run.pushes), "", ""],
    ["CPU ms per upload: stack process / containers / Postgres / PgBouncer", cpuSplit(c.pipeline), cpuSplit(c.seed), "", ""],
    ["seed port: seconds waiting for its pushes", "", num(c.seed.run.pushSeconds, 2), "", ""],
    ["seed port: rows re-read by the progress monitor", "", count(c.seed.run.monitorReads), "", ""],
    ["CPU used by other processes meanwhile, % of machine", num(c.pipeline.otherProcessesCpuPercent, 0), num(c.seed.otherProcessesCpuPercent, 0), "", ""],

    { section: `Overhead: ${count(o.uploads)} uploads (seed port: ${count(o.seed.run.uploads)}), 0 ms processor, ${wiringName}` },
    ["uploads/s end to end (hand-over to completion push)", num(o.pipeline.run.endToEndUploadsPerSecond, 0), num(o.seed.run.endToEndUploadsPerSecond, 0), ...target("uploadsPerSecond")],
    ["uploads/s to the last upload's commit", num(o.pipeline.run.uploadsPerSecond, 0), num(o.seed.run.uploadsPerSecond, 0), "", ""],
    ["database statements per upload", optional(o.pipeline.statementsPerUpload, 3), optional(o.seed.statementsPerUpload, 2), ...target("statementsPerUpload")],
    ["CPU ms per upload, the stack's processes (pollers, gateway, proxy; fauxqs in its own)", num(o.pipeline.nodeCpuMsPerUpload, 3), num(o.seed.nodeCpuMsPerUpload, 3), "", ""],
    ["CPU ms per upload, function containers", num(o.pipeline.containerCpuMsPerUpload, 3), num(o.seed.containerCpuMsPerUpload, 3), "", ""],
    ["  of which worker / finalizer / fan-out", byFunction(o.pipeline), "", "", ""],
    ["CPU ms per upload, Postgres processes", optional(o.pipeline.postgresCpuMsPerUpload, 3), optional(o.seed.postgresCpuMsPerUpload, 3), "", ""],
    ["CPU ms per upload, PgBouncer", optional(o.pipeline.poolerCpuMsPerUpload, 3), optional(o.seed.poolerCpuMsPerUpload, 3), "", ""],
    ["SQS requests per upload", num(o.pipeline.sqsRequestsPerUpload, 3), num(o.seed.sqsRequestsPerUpload, 3), "", ""],
    ["WebSocket pushes per batch per connection", count(o.pipeline.run.pushes), count(o.seed.run.pushes), "", ""],
    ["CPU used by other processes meanwhile, % of machine", num(o.pipeline.otherProcessesCpuPercent, 0), num(o.seed.otherProcessesCpuPercent, 0), "", ""],

    { section: "Fan-out in isolation: the deployed handler alone in a child process, Lambda's V8 limits" },
    ...fanOut.flatMap((run): Row[] => [
      [`${count(run.uploads)} uploads: messages/s`, num(run.messagesPerSecond, 0), "", "", ""],
      [`${count(run.uploads)} uploads: peak growth of RSS / heap / live heap, MB`, `${num(run.peakRssGrowthMb, 1)} / ${num(run.peakHeapGrowthMb, 1)} / ${num(run.liveHeapGrowthMb, 1)}`, "", "", ""],
    ]),
    ["peak RSS growth at the largest batch, MB", num(largest?.peakRssGrowthMb ?? NaN, 1), "", ...target("fanOutGrowth")],
    ["live heap growth, largest batch over smallest, MB", num((largest?.liveHeapGrowthMb ?? NaN) - (smallest?.liveHeapGrowthMb ?? NaN), 1), "", ...target("fanOutFlat")],

    { section: `Counter contention: ${k.writers} writers, ${count(k.perUpload.uploads)} uploads counted into one batch row` },
    [`uploads counted/s (pipeline: ${k.aggregated.uploadsPerStatement} per statement; seed: 1 increment each)`, num(k.aggregated.uploadsPerSecond, 0), num(k.perUpload.uploadsPerSecond, 0), "", ""],
    ["statements/s", num(k.aggregated.statementsPerSecond, 0), num(k.perUpload.statementsPerSecond, 0), "", ""],
    ["seed: uploads/s with its upload-row UPDATE before each increment", "", num(k.perUploadWithRow.uploadsPerSecond, 0), "", ""],
    ["speedup over increments alone / over row + increment", `${num(k.speedup, 1)} x / ${num(k.speedupOverRowAndCounter, 1)} x`, "", "", ""],

    { section: `Completion latency: ${l.batches} batches of ${l.uploadsPerBatch}, finalizer batching window ${l.finalizerWindowSeconds} s` },
    ["p50 ms, last commit to batch.completed", num(l.p50Millis, 0), "", "", ""],
    ["p95 ms", num(l.p95Millis, 0), "", ...target("completionP95")],
    ["max ms", num(l.maxMillis, 0), "", "", ""],

    {
      section: `Real images: ${count(r.uploads)} generated images (mean ${num(r.meanFileBytes / 1024, 1)} KB) through the upload service, media step and built-in AI, ${wiringName}; after ${count(r.warmUpUploads)} of them`,
    },
    ["seconds, the upload service taking the files", num(r.submitSeconds, 2), "", "", ""],
    ["seconds, creation to the last commit / to batch.completed", `${num(r.costs.run.processingSeconds, 2)} / ${num(r.costs.run.endToEndSeconds, 2)}`, "", "", ""],
    ["uploads/s, to the last commit", num(r.costs.run.uploadsPerSecond, 1), "", "", ""],
    ["CPU ms per upload: stack process / containers / Postgres / PgBouncer", cpuSplit(r.costs), "", "", ""],
    ["  containers: worker / finalizer / fan-out", byFunction(r.costs), "", "", ""],
    ["CPU used by other processes meanwhile, % of machine", num(r.costs.otherProcessesCpuPercent, 0), "", "", ""],
    [`subscribe every ${r.subscribe.intervalMillis} ms: sent / answered / ticks skipped`, `${count(r.subscribe.sent)} / ${count(r.subscribe.answered)} / ${count(r.subscribe.skippedTicks)}`, "", "", ""],
    ["subscribe reply p50 ms", optional(r.subscribe.p50Millis, 0), "", "", ""],
    ["subscribe reply p95 ms", optional(r.subscribe.p95Millis, 0), "", ...target("subscribeP95")],
    ["subscribe reply max ms", optional(r.subscribe.maxMillis, 0), "", "", ""],
    ["pushes to a connection; ms from creation to the first", `${count(r.pushGaps.pushes)}; ${optional(r.pushGaps.firstPushMillis, 0)}`, "", "", ""],
    ["longest gap between pushes, from creation, ms", optional(r.pushGaps.longestGapMillis, 0), "", ...target("pushGap")],
    [
      `batch.completed pushes per connection: comparison; overhead; real images' ${r.completedPushesPerConnection.length} connections`,
      `${c.pipeline.run.completedPushes}; ${o.pipeline.run.completedPushes}; ${r.completedPushesPerConnection.join(", ")}`,
      "",
      ...target("completedPerConnection"),
    ],

    ...flowControlRows(report.flowControl, report.targets, wiringName),

    { section: `Containers: cold starts on every stack (first: each stack's first, alone); peak RSS on "${containers.memoryStack}"` },
    ...containers.functions.flatMap((fn): Row[] => [
      [`${fn.functionName} (${count(fn.memorySizeMb)} MB): init ms first / p50 / max (${count(fn.coldStarts)} cold starts)`, `${optional(fn.firstInitMillis, 0)} / ${optional(fn.initP50Millis, 0)} / ${optional(fn.initMaxMillis, 0)}`, "", "", ""],
      [`${fn.functionName}: peak RSS MB p50 / max (${count(fn.containers)} containers)`, `${optional(fn.peakMemoryP50Mb, 0)} / ${optional(fn.peakMemoryMaxMb, 0)}`, "", "", ""],
    ]),
  ];
  const missed = report.targets.filter((result) => !result.pass).length;
  const footer = [`${report.targets.length - missed} of ${report.targets.length} targets met. Statements: ${o.statementCounting}.`];
  const gone = [c.pipeline, c.seed, o.pipeline, o.seed, r.costs].reduce((sum, costs) => sum + costs.containersGone, 0);
  if (gone > 0) footer.push(`${gone} container(s) ended during a measured run: their CPU in it is missing from the figures.`);
  if (report.warnings.length > 0) footer.push(`${report.warnings.length} warning(s) from the functions and the runtime; see --json or stderr.`);
  return renderRows(titleLines(report), rows, footer);
}

/** The table's first lines: the run and the machine. */
export function titleLines(report: Pick<BenchmarkReport, "mode" | "machine" | "durationSeconds">): string[] {
  const { machine } = report;
  return [
    `Benchmark (${report.mode}) on ${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.postgres}; ${num(report.durationSeconds, 0)} s; load average ${num(machine.loadAverageAtStart, 2)} at the start`,
    "Every function runs in containers of its own (child processes behind a Lambda Runtime API), all started and warmed before each measured run.",
    "",
  ];
}

/** The stacks' wiring: the deployed one, but for the worker's containers in a quick run. */
export function describeWiring(workerMaxConcurrency: number | undefined): string {
  return workerMaxConcurrency === undefined ? "deployed wiring" : `deployed wiring but ${workerMaxConcurrency} worker containers`;
}

/** Where a run's CPU went, per upload. */
function cpuSplit(costs: RunCosts): string {
  return [num(costs.nodeCpuMsPerUpload, 2), num(costs.containerCpuMsPerUpload, 2), optional(costs.postgresCpuMsPerUpload, 2), optional(costs.poolerCpuMsPerUpload, 2)].join(" / ");
}

function byFunction(costs: RunCosts): string {
  const of = (name: string) => num(costs.containerCpuMsPerUploadByFunction[name] ?? 0, 3);
  return [of("worker"), of("finalizer"), of("fanout")].join(" / ");
}
