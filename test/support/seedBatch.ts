export { batchState, type BatchState } from "@pipeline/local/fixtures/batchState";
export { seedBatch, type SeedBatchOptions } from "@pipeline/local/fixtures/seedBatch";
