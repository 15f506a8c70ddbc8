export { QueueSendError, type FailedEntry } from "./QueueSendError.js";
export { SqsDeadLetterQueue, type DeadLetter } from "./SqsDeadLetterQueue.js";
export { SqsDeadLetters, type QueuePair } from "./SqsDeadLetters.js";
export { SqsJsonQueue } from "./SqsJsonQueue.js";
export { SqsMessageVisibility } from "./SqsMessageVisibility.js";
export { REQUEUES_ATTRIBUTE, SqsRequeue } from "./SqsRequeue.js";
export { SqsUploadQueue, type SqsUploadQueueOptions } from "./SqsUploadQueue.js";
