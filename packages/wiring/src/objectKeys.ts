/**
 * Where objects live in the media bucket. The upload service stores each file under `uploads/`
 * (its key is the upload's `file_path`); the worker reads only there and writes thumbnails only
 * under `thumbnails/`, and its IAM grants are scoped to these prefixes.
 */
export const objectKeys = {
  uploadsPrefix: "uploads/",
  thumbnailsPrefix: "thumbnails/",
} as const;

/** The key of an upload's thumbnail. */
export function thumbnailKey(uploadId: string): string {
  return `${objectKeys.thumbnailsPrefix}${uploadId}.webp`;
}
