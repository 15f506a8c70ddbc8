export { QueueSendError } from "./QueueSendError.js";
export { SqsDeadLetterQueue } from "./SqsDeadLetterQueue.js";
export { SqsDeadLetters } from "./SqsDeadLetters.js";
export { SqsJsonQueue } from "./SqsJsonQueue.js";
export { SqsMessageVisibility } from "./SqsMessageVisibility.js";
export { SqsRequeue } from "./SqsRequeue.js";
export { SqsUploadQueue } from "./SqsUploadQueue.js";
