import {
  InMemoryBatchControls,
  InMemoryBatchMaintenance,
  InMemoryBatchReader,
  InMemoryBatchRepository,
  InMemoryConnectionRepository,
  InMemoryDatabase,
  InMemoryPushSequencer,
  InMemoryStageStore,
  InMemoryUploadRepository,
} from "@pipeline/testkit/fakes";
import { describe } from "vitest";
import { describeRepositoryContracts, type ContractWorld } from "../contracts/index.js";

/** The same cases as test/postgresRepositories.test.ts: a fake that drifts from Postgres fails one of them. */
describe("InMemory repositories", () => {
  describeRepositoryContracts((): ContractWorld => {
    const database = new InMemoryDatabase();
    return {
      batches: new InMemoryBatchRepository(database),
      uploads: new InMemoryUploadRepository(database),
      controls: new InMemoryBatchControls(database),
      reader: new InMemoryBatchReader(database),
      maintenance: new InMemoryBatchMaintenance(database),
      stages: new InMemoryStageStore(database),
      connections: new InMemoryConnectionRepository(database),
      sequencer: new InMemoryPushSequencer(),
      seedBatch: async (seed) => database.seedBatch(seed),
      ageUploads: async (batchId, seconds) => {
        for (const upload of database.uploadsOf(batchId)) upload.updatedAt = new Date(upload.updatedAt.getTime() - seconds * 1000);
      },
      zeroCounters: async (batchId) => {
        const batch = database.batch(batchId);
        if (batch) Object.assign(batch, { processed: 0, successful: 0, failed: 0, cancelled: 0 });
      },
    };
  });
});
