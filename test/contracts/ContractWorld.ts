import { beforeEach, describe } from "vitest";
import type { BatchControls, BatchMaintenance, BatchReader, BatchRepository, BatchView, ConnectionRepository, PushSequencer, StageStore, UploadRepository } from "@pipeline/core";

export interface ContractBatchSeed {
  userId: string;
  uploads: number;
  declaredTotal?: number;
  maxFailurePercent?: number;
  priority?: "interactive" | "bulk";
  maxInFlight?: number;
}

/** The repository ports on one store (Postgres or in memory), with the few writes only the upload service or a bug makes. */
export interface ContractWorld {
  batches: BatchRepository;
  uploads: UploadRepository;
  controls: BatchControls;
  reader: BatchReader;
  maintenance: BatchMaintenance;
  stages: StageStore;
  connections: ConnectionRepository;
  sequencer: PushSequencer;
  /** A pending batch and its uploads, as the upload service writes them; upload ids in key order. */
  seedBatch(seed: ContractBatchSeed): Promise<{ batchId: string; uploadIds: string[] }>;
  /** Sets the batch's counters to zero behind the guarded statements' back, as a bug or a manual edit would. */
  zeroCounters(batchId: string): Promise<void>;
  /** Moves the batch's uploads' last change this many seconds into the past, as time passing would. */
  ageUploads(batchId: string, seconds: number): Promise<void>;
}

export type MakeWorld = () => ContractWorld | Promise<ContractWorld>;

/** The batch row as a reader sees it; throws for an unknown batch so a case cannot pass on `undefined`. */
export async function batchOf(world: ContractWorld, batchId: string): Promise<BatchView> {
  const page = await world.reader.page(batchId, { after: null, limit: 1 });
  if (!page) throw new Error(`batch ${batchId} not found`);
  return page.batch;
}

/** A batch claimed by the fan-out: processing, its total the real number of uploads. */
export async function processingBatch(world: ContractWorld, uploads: number, extra: Partial<ContractBatchSeed> = {}) {
  const seeded = await world.seedBatch({ userId: "contract-user", uploads, ...extra });
  await world.batches.startFanOut(seeded.batchId);
  return seeded;
}

export const completedOutcome = (uploadId: string) => ({
  uploadId,
  status: "completed" as const,
  result: { description: "a photo", thumbnailPath: "thumbs/t.jpg", metadata: { width: 10 }, embedding: [0.5, 0.25] },
});

export const failedOutcome = (uploadId: string) => ({ uploadId, status: "failed" as const, error: "corrupt file" });

/** One port's contract: a fresh world before each case, which the cases reach through `world()`. */
export function describeContract(port: string, makeWorld: MakeWorld, cases: (world: () => ContractWorld) => void): void {
  describe(`${port} contract`, () => {
    let current: ContractWorld | undefined;
    beforeEach(async () => {
      current = await makeWorld();
    });
    cases(() => {
      if (!current) throw new Error(`the ${port} contract's world was not made`);
      return current;
    });
  });
}
