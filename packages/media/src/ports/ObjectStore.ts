/**
 * Where uploads are read from and thumbnails written to.
 *
 * @example
 * ```ts
 * const stream = await objects.read("uploads/a.jpg", { maxBytes: 50 * 1024 * 1024, signal });
 * const bytes = await collectBytes(stream, signal);
 * await objects.write("thumbnails/a.webp", thumbnail, { contentType: "image/webp", signal });
 * ```
 */
export interface ObjectStore {
  /**
   * Streams the object under `key`. Rejects with `ObjectNotFoundError` when there is none; the
   * promise or the stream fails with `ObjectTooLargeError` past `maxBytes`, and with
   * `ObjectStoreError` for passing failures.
   */
  read(key: string, options: { maxBytes: number; signal: AbortSignal }): Promise<AsyncIterable<Uint8Array>>;
  /** Writes (or overwrites) the object under `key`; fails with `ObjectStoreError`. */
  write(key: string, body: Uint8Array, options: { contentType: string; signal: AbortSignal }): Promise<void>;
}
