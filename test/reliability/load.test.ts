
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/startTestStack.js";
import { DatabaseAdmin } from "./support/DatabaseAdmin.js";
import { TallyLogger } from "./support/TallyLogger.js";
import { formatLoadReport, runLoad, type LoadSizes } from "./support/runLoad.js";
import { SimulatedUploadProcessor } from "@pipeline/media";

/** A smaller run of `npm run soak -- --load` (10 x 1,000 uploads): same shape, a fifth of the uploads. */
const SIZES: LoadSizes = { batches: 10, uploadsPerBatch: 200, clientsPerUser: 10, timeoutMillis: 120_000 };

describe(`load: ${SIZES.batches} concurrent batches, ${SIZES.batches * SIZES.clientsPerUser} WebSocket clients`, () => {
  let testStack: TestStack;
  let admin: DatabaseAdmin;
  const logger = new TallyLogger();

  beforeAll(async () => {
    testStack = await startTestStack({ processor: new SimulatedUploadProcessor(), logger, runtime: "in-process" });
    admin = await DatabaseAdmin.connect(testStack.stack.endpoints.databaseUrl);
    await admin.installFinalizationAudit();
  });
  afterAll(async () => {
    await admin?.close();
    await testStack?.close();
  });

  it("loses nothing: every batch exact and finalized once, every client told of its own batch's end, in version order", async () => {
    const report = await runLoad(testStack.stack, admin, logger, SIZES);
    console.log(formatLoadReport(report));

    expect(report.violations).toEqual([]);
    expect(report.uploads).toBe(SIZES.batches * SIZES.uploadsPerBatch);
    expect(report.clients).toBe(SIZES.batches * SIZES.clientsPerUser);
  }, 180_000);
});
