export { SQS_MAX_MESSAGE_BYTES, type OffloadedBodies } from "./OffloadedBodies.js";
export { QueueSendError } from "./QueueSendError.js";
export { DEAD_LETTER_PREFIX, S3OffloadedBodies } from "./S3OffloadedBodies.js";
export { SqsDeadLetterQueue } from "./SqsDeadLetterQueue.js";
export { SqsDeadLetters } from "./SqsDeadLetters.js";
export { SqsJsonQueue } from "./SqsJsonQueue.js";
export { SqsMessageVisibility } from "./SqsMessageVisibility.js";
export { SqsRequeue } from "./SqsRequeue.js";
export { SqsUploadQueue } from "./SqsUploadQueue.js";
