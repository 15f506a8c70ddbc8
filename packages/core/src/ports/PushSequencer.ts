/**
 * Serializes the finalizers' work per batch: whoever holds a batch assigns its next version and
 * pushes it before the next one may, so a client receives a batch's pushes in version order even
 * when two finalizers handle it at once (I4).
 *
 * A hold can be lost before its work ends: the session holding the locks ends (a failover, a
 * pooler restart, `pg_terminate_backend`) and the next finalizer of the batch gets in at once.
 * `held` aborts then. From that moment the work must push nothing more (a push of its version
 * could reach a client after the next holder's later one) and must fail, so its messages come back.
 */
export interface PushSequencer {
  inOrder<T>(batchIds: readonly string[], work: (held: AbortSignal) => Promise<T>): Promise<T>;
}
