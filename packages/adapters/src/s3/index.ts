export { DEAD_LETTER_PREFIX, S3OffloadedBodies } from "./S3OffloadedBodies.js";
export { S3ObjectStore } from "./S3ObjectStore.js";
