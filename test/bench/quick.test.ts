import { brokenInvariants, flowControlInvariants, formatTable, quickSettings, runBenchmark, type BenchmarkReport } from "@pipeline/bench";
import { defaultPriority } from "@pipeline/core";
import { deployedFunctions, wiring } from "@pipeline/wiring";
import { beforeAll, describe, expect, inject, it } from "vitest";

// Speed is the benchmark's to measure (npm run bench); these tests hold what must be true at any speed.
describe("npm run bench -- --quick", () => {
  const settings = quickSettings();
  let report: BenchmarkReport;

  // About 95 s on a quiet machine (30 s of it flow control); other suites on the same two cores can triple that.
  beforeAll(async () => {
    report = await runBenchmark({ settings, built: inject("builtFunctions") });
  }, 450_000);

  it("runs every upload of every batch to a terminal state and counts it exactly once, on both sides", () => {
    const runs = [report.seedComparison.pipeline.run, report.seedComparison.seed.run, report.overhead.pipeline.run, report.overhead.seed.run];
    for (const run of runs) {
      expect(run).toMatchObject({ counted: run.uploads, successful: run.uploads, terminal: run.uploads });
    }
    expect(report.seedComparison.pipeline.run.uploads).toBe(settings.comparisonUploads);
    expect(report.overhead.seed.run.uploads).toBe(settings.overheadSeedUploads);
    expect(brokenInvariants(report)).toEqual([]);
  });

  it("finds the pipeline faster than the seed's sequential worker, and relates it to the ideal", () => {
    const { seedComparison: comparison } = report;

    expect(comparison.ratio).toBeGreaterThan(1);
    expect(comparison.ratio).toBeCloseTo(comparison.pipeline.run.uploadsPerSecond / comparison.seed.run.uploadsPerSecond, 6);
    expect(comparison.idealSeconds).toBeCloseTo((settings.comparisonUploads * settings.latencyMillis) / 16 / 1000, 6);
    expect(comparison.efficiency).toBeGreaterThan(0);
    expect(comparison.pipeline.run.processingSeconds).toBeLessThan(comparison.pipeline.run.endToEndSeconds);
    expect(comparison.seed.run.processingSeconds).toBeLessThan(comparison.seed.run.endToEndSeconds);
  });

  it("counts statements, CPU, SQS requests and pushes per upload, the seed port's included", () => {
    const { pipeline, seed } = report.overhead;

    expect(pipeline.statementsPerUpload).toBeGreaterThan(0);
    // The seed port: one increment, four upload statements and a re-read per upload.
    expect(seed.statementsPerUpload).toBeGreaterThanOrEqual(6);
    expect(pipeline.nodeCpuMsPerUpload).toBeGreaterThan(0);
    // The functions run in containers: the worker's and the fan-out's processes did the work, none ended.
    expect(pipeline.containerCpuMsPerUploadByFunction.worker).toBeGreaterThan(0);
    expect(pipeline.containerCpuMsPerUploadByFunction.fanout).toBeGreaterThan(0);
    expect(pipeline.containerCpuMsPerUpload).toBeGreaterThanOrEqual(pipeline.containerCpuMsPerUploadByFunction.worker ?? 0);
    expect(pipeline.containersGone).toBe(0);
    expect(pipeline.postgresCpuMsPerUpload).toBeGreaterThan(0);
    expect(pipeline.sqsRequestsPerUpload).toBeGreaterThan(0);
    // Sent by the fan-out's container and the pollers: both reach the engine's counter.
    expect(pipeline.sqsRequests).toHaveProperty("SendMessageBatch");
    expect(pipeline.sqsRequests).toHaveProperty("ReceiveMessage");
    expect(seed.sqsRequestsPerUpload).toBe(0);
    // The seed pushes five times per upload (file 0, 5, 10 and 100, then the batch) and twice per batch.
    expect(seed.run.pushes).toBe(5 * settings.overheadSeedUploads + 2);
    expect(pipeline.run.pushes).toBeGreaterThanOrEqual(1);
    expect(pipeline.run.pushes).toBeLessThan(seed.run.pushes);
  });

  it("has the fan-out send one window at every size, and nothing again for a repeated message while the window is full", () => {
    expect(report.fanOut.map((run) => run.uploads)).toEqual(settings.fanOutSizes);
    for (const run of report.fanOut) {
      expect(run.messagesSent).toBe(Math.min(run.uploads, wiring.flowControl.defaultMaxInFlight));
      expect(run.messagesSentAgain).toBe(0);
      expect(run.messagesPerSecond).toBeGreaterThan(0);
      expect(Number.isFinite(run.peakRssGrowthMb)).toBe(true);
    }
  });

  it("counts every contended increment once, per upload and aggregated alike", () => {
    const { perUpload, perUploadWithRow, aggregated, writers } = report.counterContention;
    const { statementsPerWriter, uploadsPerStatement } = settings.counterContention;
    const uploads = writers * statementsPerWriter * uploadsPerStatement;

    expect(writers).toBe(settings.counterContention.writers);
    expect(perUpload).toMatchObject({ uploads, counted: uploads, statements: uploads });
    expect(perUploadWithRow).toMatchObject({ uploads, counted: uploads, statements: 2 * uploads });
    expect(aggregated).toMatchObject({ uploads, counted: uploads, statements: uploads / uploadsPerStatement });
  });

  it("measures completion latency over every batch, with the finalizer's batching window beside it", () => {
    const latency = report.completionLatency;

    expect(latency.samplesMillis).toHaveLength(settings.completionLatency.batches);
    expect(latency.finalizerWindowSeconds).toBe(wiring.functions.finalizer.batchingWindowSeconds);
    expect(latency.p50Millis).toBeLessThanOrEqual(latency.p95Millis);
    expect(latency.p95Millis).toBeLessThanOrEqual(latency.maxMillis);
    expect(Math.min(...latency.samplesMillis)).toBeGreaterThan(0);
  });

  it("runs real images through the upload service, timing subscribe replies and the gaps between pushes", () => {
    const { realImages } = report;
    const { uploads, probeConnections } = settings.realImages;

    expect(realImages.costs.run).toMatchObject({ uploads, counted: uploads, successful: uploads, terminal: uploads });
    expect(realImages.meanFileBytes).toBeGreaterThan(0);
    expect(realImages.costs.containerCpuMsPerUploadByFunction.worker).toBeGreaterThan(0);
    const { subscribe } = realImages;
    expect(subscribe.answered).toBeGreaterThan(0);
    expect(subscribe.sent).toBeGreaterThanOrEqual(subscribe.answered);
    expect(subscribe.connections).toBe(probeConnections);
    expect(subscribe.p50Millis).toBeLessThanOrEqual(subscribe.p95Millis ?? 0);
    expect(subscribe.p95Millis).toBeLessThanOrEqual(subscribe.maxMillis ?? 0);
    const { pushGaps } = realImages;
    expect(pushGaps.pushes).toBe(realImages.costs.run.pushes);
    expect(pushGaps.longestGapMillis).toBeGreaterThanOrEqual(pushGaps.firstPushMillis ?? Infinity);
    // The owner's client and each of the probe's connections heard the batch complete.
    expect(realImages.completedPushesPerConnection).toHaveLength(probeConnections + 1);
    for (const completions of realImages.completedPushesPerConnection) expect(completions).toBeGreaterThanOrEqual(1);
  });

  it("times a small batch alone and behind other users' batches, whose windows hold and whose cancels leave at most a window running", () => {
    const flow = report.flowControl;
    const { smallUploads, aloneRuns, bigSizes, bulk, interactiveUploads, othersMaxInFlight } = settings.flowControl;
    const measured = [...flow.small.alone, ...flow.small.behindBig.map((behind) => behind.measured), flow.small.behindInteractiveBig.measured, flow.interactive.alone, flow.interactive.behindBulk.measured];
    for (const run of measured) {
      expect(run.seconds).toBeGreaterThan(0);
      expect(run).toMatchObject({ counted: run.uploads, terminal: run.uploads });
      expect(run.completedPushes).toBeGreaterThanOrEqual(1);
    }
    expect(flow.small.alone.map((run) => run.uploads)).toEqual(Array.from({ length: aloneRuns }, () => smallUploads));
    expect(flow.interactive.alone.uploads).toBe(interactiveUploads);

    const behind = [...flow.small.behindBig, flow.small.behindInteractiveBig, flow.interactive.behindBulk];
    expect(flow.small.behindInteractiveBig.others.map((other) => other.priority)).toEqual(["interactive"]);
    expect(flow.small.behindBig.map((run) => run.others.map((other) => [other.uploads, other.priority]))).toEqual(bigSizes.map((size) => [[size, defaultPriority(size, wiring.flowControl)]]));
    expect(flow.interactive.behindBulk.others.map((other) => [other.uploads, other.priority])).toEqual(Array.from({ length: bulk.batches }, () => [bulk.uploads, "bulk"]));
    for (const run of flow.small.behindBig) expect(run.ratio).toBeCloseTo(run.measured.seconds / flow.small.aloneSeconds, 6);
    expect(flow.interactive.behindBulk.ratio).toBeCloseTo(flow.interactive.behindBulk.measured.seconds / flow.interactive.alone.seconds, 6);
    for (const run of behind) {
      expect(Number.isFinite(run.ratio) && run.ratio > 0).toBe(true);
      expect(run.samples).toBeGreaterThan(0);
      for (const other of run.others) {
        // The quick run gives the others a window below the worker's 4 x 10 slots, so a window not kept shows here.
        expect(other.window).toBe(othersMaxInFlight ?? wiring.flowControl.defaultMaxInFlight);
        expect(other.peakProcessing).toBeGreaterThan(0);
        expect(other.peakInWindow).toBeLessThanOrEqual(other.window);
        // What the cancel found in the window: under way (processed after it) and released but not started.
        expect(other.processedAfterCancel).toBeLessThanOrEqual(other.window);
        expect(other.processedAfterCancel + other.queuedAtCancel).toBeLessThanOrEqual(other.window);
        expect(other).toMatchObject({ unfinishedAfterCancel: 0, counted: other.total });
      }
    }
    expect(flowControlInvariants(flow)).toEqual([]);
  });

  it("records every stack's cold starts and its containers' peak memory, per function", () => {
    const byName = new Map(report.containers.functions.map((fn) => [fn.functionName, fn]));

    for (const { name } of deployedFunctions(wiring)) {
      const fn = byName.get(name);
      expect(fn?.coldStarts, name).toBeGreaterThan(0);
      expect(fn?.firstInitMillis, name).toBeGreaterThan(0);
      expect(fn?.initMaxMillis, name).toBeGreaterThanOrEqual(fn?.initP50Millis ?? Infinity);
      expect(fn?.peakMemoryMaxMb, name).toBeGreaterThan(0);
    }
    // Every worker container of the real-image stack was started before it ran, one per slot.
    expect(byName.get("worker")?.containers).toBe(settings.workerMaxConcurrency ?? wiring.functions.worker.maxConcurrency);
    expect(report.containers.stacks.map((stack) => stack.stack)).toHaveLength(4);
  });

  it("reports every target with PASS or MISS, and prints them in a table", () => {
    expect(report.targets.map((target) => target.id)).toEqual([
      "ratio",
      "efficiency",
      "statementsPerUpload",
      "uploadsPerSecond",
      "fanOutGrowth",
      "fanOutFlat",
      "completionP95",
      "subscribeP95",
      "pushGap",
      "completedPerConnection",
      ...settings.flowControl.bigSizes.flatMap((size) => [`fairnessAt${size}`, `cancelAt${size}`]),
    ]);
    for (const target of report.targets) expect(typeof target.pass).toBe("boolean");
    const table = formatTable(report);
    expect(table).toMatch(/ratio \(pipeline \/ seed port\).*>= 15/);
    expect(table).toMatch(/subscribe reply p95 ms.*<= 200 ms/);
    expect(table).toMatch(/behind another user's 200 .*<= 2x/);
    expect(table.match(/PASS|MISS/g)).toHaveLength(report.targets.length);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});
