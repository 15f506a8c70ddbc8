/**
 * Where objects live in the media bucket. The upload service stores each file under `uploads/`
 * (its key is the upload's `file_path`); the worker reads only there and writes thumbnails only
 * under `thumbnails/`, and its IAM grants are scoped to these prefixes. The keys themselves are
 * built in `@pipeline/core` (`uploadObjectKey`, `thumbnailObjectKey`) under these prefixes.
 */
export const objectKeys = {
  uploadsPrefix: "uploads/",
  thumbnailsPrefix: "thumbnails/",
  /** Dead-letter bodies too large for SQS with their reason: written by the functions that park them, read and deleted by batchctl. */
  deadLettersPrefix: "dead-letters/",
} as const;
