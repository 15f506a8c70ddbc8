import { describeBatchControlsContract } from "./batchControlsContract.js";
import { describeBatchMaintenanceContract } from "./batchMaintenanceContract.js";
import { describeBatchReaderContract } from "./batchReaderContract.js";
import { describeBatchRepositoryContract } from "./batchRepositoryContract.js";
import { describeConnectionRepositoryContract } from "./connectionRepositoryContract.js";
import { describeFlowControlContract } from "./flowControlContract.js";
import type { MakeWorld } from "./ContractWorld.js";
import { describePushSequencerContract } from "./pushSequencerContract.js";
import { describeUploadRepositoryContract } from "./uploadRepositoryContract.js";

export type { ContractWorld, MakeWorld } from "./ContractWorld.js";

/** Every repository port's contract, against one store: the same cases for the fake and for Postgres. */
export function describeRepositoryContracts(makeWorld: MakeWorld): void {
  describeBatchRepositoryContract(makeWorld);
  describeUploadRepositoryContract(makeWorld);
  describeBatchControlsContract(makeWorld);
  describeBatchReaderContract(makeWorld);
  describeBatchMaintenanceContract(makeWorld);
  describeFlowControlContract(makeWorld);
  describeConnectionRepositoryContract(makeWorld);
  describePushSequencerContract(makeWorld);
}
