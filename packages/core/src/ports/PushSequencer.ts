/**
 * Serializes the finalizers' work per batch: whoever holds a batch assigns its next version and
 * pushes it before the next one may, so a client receives a batch's pushes in version order even
 * when two finalizers handle it at once (I4).
 */
export interface PushSequencer {
  inOrder<T>(batchIds: readonly string[], work: () => Promise<T>): Promise<T>;
}
