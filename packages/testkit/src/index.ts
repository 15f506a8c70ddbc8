export { batchState, type BatchState } from "./batchState.js";
export { asDelivery, createLambdaContext, toSqsEvent, type LambdaContextOptions } from "./events.js";
export { seedBatch, type SeedBatchOptions } from "./seedBatch.js";
export * from "./inMemory/index.js";
