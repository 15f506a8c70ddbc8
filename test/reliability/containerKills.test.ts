import { localSqsClient } from "@pipeline/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/startTestStack.js";
import { DatabaseAdmin } from "./support/DatabaseAdmin.js";
import { seededRandom } from "./support/random.js";
import { containerKillWiring, ContainerObserver, formatContainerKillReport, KILLED_FUNCTIONS, runContainerKillRound, type ContainerKillEnvironment, type ContainerKillSizes } from "./support/runContainerKillRound.js";

const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 2 ** 31);

const SIZES: ContainerKillSizes = {
  users: 2,
  batchesPerUser: 2,
  imagesPerBatch: 38,
  brokenPerBatch: 2,
  clientsPerUser: 1,
  poisonMessages: 2,
  killGapMillis: [300, 1200],
  killWindowMillis: 20_000,
  reconcileEveryMillis: 4_000,
  lostAfterSeconds: 10,
  settleTimeoutMillis: 150_000,
};

describe("chaos on the container runtime: busy fan-out, worker and finalizer containers SIGKILLed, every message delivered twice", () => {
  let testStack: TestStack;
  let env: ContainerKillEnvironment;

  beforeAll(async () => {
    const observer = new ContainerObserver();
    testStack = await startTestStack({ wiring: containerKillWiring(8), containerLog: observer.log, onInvocation: observer.invocation });
    const { stack } = testStack;
    const admin = await DatabaseAdmin.connect(stack.endpoints.databaseUrl);
    await admin.installFinalizationAudit();
    env = { stack, stackDir: testStack.dir, admin, observer, sqs: localSqsClient(stack.endpoints.sqsEndpoint, stack.endpoints.credentials), random: seededRandom(SEED) };
  });
  afterAll(async () => {
    env?.sqs.destroy();
    await env?.admin.close();
    await testStack?.close();
  });

  it("ends every batch exact, finalized once, pushed in order to its owner's clients, with nothing lost", async () => {
    // Act
    const report = await runContainerKillRound(env, SIZES);
    console.log(`seed ${SEED} (CHAOS_SEED replays the kill plan's choices)\n${formatContainerKillReport(report)}`);

    // Assess: the invariants, and no container that ended but by a kill...
    expect(report.violations).toEqual([]);
    expect(report.settled).toBe(true);
    expect(report.crashes).toEqual([]);
    expect(report.uploads).toBe(SIZES.users * SIZES.batchesPerUser * (SIZES.imagesPerBatch + SIZES.brokenPerBatch));
    // ...under real kills of the fan-out's and the worker's containers, each of which ended an
    // invocation. A finalizer invocation lasts milliseconds, a few a second: a random SIGKILL meets
    // one only sometimes (0–4 a round here), so its kills are reported, not required; the
    // in-process round kills the finalizer at chosen statements every time.
    for (const fn of KILLED_FUNCTIONS.filter((name) => name !== "finalizer")) expect(report.killsByFunction[fn], `${fn} containers killed`).toBeGreaterThan(0);
    expect(report.invocationsDied).toBeGreaterThan(0);
    expect(report.duplicatesSent).toBeGreaterThan(report.uploads);
    expect(report.deadLetters.uploads).toBeGreaterThanOrEqual(SIZES.poisonMessages);
  }, 300_000);
});
