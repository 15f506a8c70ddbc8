export { S3ObjectStore } from "./S3ObjectStore.js";
