import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack } from "../support/startTestStack.js";
import { startChaosStack, type ChaosStack } from "./support/chaosStack.js";
import { KILL_KINDS } from "./support/FaultInjector.js";
import { formatChaosReport } from "./support/formatReport.js";
import { CHAOS_SIZES, KILL_RATE, MAX_PROCESSING_MILLIS, PROGRESS_DROP_RATE } from "./support/chaosPlan.js";
import { runChaosRound } from "./support/runChaosRound.js";

const SIZES = CHAOS_SIZES;
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 2 ** 31);

describe("chaos: duplicates, killed invocations, terminated Postgres sessions, lost progress, poison and failing uploads, pauses, resumes, window changes and cancels", () => {
  let chaos: ChaosStack;

  beforeAll(async () => {
    chaos = await startChaosStack(startTestStack, { killRate: KILL_RATE, progressDropRate: PROGRESS_DROP_RATE, maxLatencyMillis: MAX_PROCESSING_MILLIS, seed: SEED });
  });
  afterAll(() => chaos?.close());

  it("ends every batch exact, finalized once, pushed in order to its owner's clients only, with every poison message parked with its reason", async () => {
    // Act
    const report = await runChaosRound(chaos, SIZES, 1);
    console.log(`seed ${SEED} (CHAOS_SEED replays the fault plan)\n${formatChaosReport(report)}`);

    // Assess: the invariants, and a process that never crashed (see sessionLoss.test.ts)...
    expect(report.violations).toEqual([]);
    expect(report.settled).toBe(true);
    expect(report.crashes).toEqual([]);
    expect(report.uploads).toBe(SIZES.users * SIZES.batchesPerUser * SIZES.uploadsPerBatch);
    // ...under every fault injected, each of which did happen.
    const { faults } = report;
    expect(faults.duplicatesDelivered).toBeGreaterThanOrEqual(report.uploads);
    for (const kind of KILL_KINDS) {
      expect(faults.killed.worker[kind], `worker invocations killed ${kind}`).toBeGreaterThan(0);
      expect(faults.killed.finalizer[kind], `finalizer invocations killed ${kind}`).toBeGreaterThan(0);
    }
    expect(faults.progressDropped).toBeGreaterThan(0);
    expect(report.connectionsTerminated).toBeGreaterThan(0);
    expect(report.deadLetters.uploads).toBeGreaterThanOrEqual(SIZES.poisonMessages);
    // ...and the flow controls, each of which took effect on a running batch at least once.
    expect(report.flow.paused, "batches paused while running").toBeGreaterThan(0);
    // Every pause was resumed, but for a batch cancelled in between (its resume finds it final).
    expect(report.flow.resumed, "batches resumed").toBeGreaterThan(0);
    expect(report.flow.resumed + report.flow.cancelled, "pauses resumed or ended by a cancel").toBeGreaterThanOrEqual(report.flow.paused);
    expect(report.flow.limitsChanged, "windows changed").toBeGreaterThan(0);
    expect(report.flow.prioritiesChanged + report.flow.cancelled, "priorities changed or batches cancelled").toBeGreaterThan(0);
  }, 420_000);
});
