/**
 * Where the upload service stores the users' files and the worker writes thumbnails. Private;
 * the stage's removal policy decides whether it outlives `sst remove`.
 */
export function storage() {
  return { media: new sst.aws.Bucket("Media") };
}

export type Storage = ReturnType<typeof storage>;
