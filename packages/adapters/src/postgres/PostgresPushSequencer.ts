import type { PushSequencer } from "@pipeline/core";
import { inTransaction, type Database } from "./Sql.js";

// Key order, so two finalizers with overlapping batches cannot deadlock; unnest yields the
// (sorted) array in order, and each row's lock is taken as the row is produced.
const LOCK_BATCHES = "SELECT pg_advisory_xact_lock(hashtextextended(key, 7)) FROM unnest($1::text[]) AS key";

/**
 * Per-batch advisory locks of one transaction, held while the versions are assigned and pushed and
 * released by its COMMIT (or ROLLBACK). The functions reach Postgres through a transaction-mode
 * pooler (Neon's pooled endpoint): a transaction keeps its server connection from BEGIN to COMMIT,
 * while a session lock would stay on whichever server connection took it, once the unlock ran on
 * another (docs/design.md, "Ordered pushes"). The work assigns the versions in statements of its
 * own, outside this transaction, so the batch rows stay locked only for that statement and the
 * workers' counter updates never wait for a push. A finalizer that dies ends its client
 * connection; the pooler then closes the server connection mid-transaction and Postgres rolls it
 * back, locks included. A session that ends while the work runs (failover, pooler restart,
 * `pg_terminate_backend`) frees the locks at once: `held` aborts as the client learns of it, so the
 * work stops pushing (the next finalizer may already be pushing later versions).
 */
export class PostgresPushSequencer implements PushSequencer {
  constructor(private readonly database: Database) {}

  async inOrder<T>(batchIds: readonly string[], work: (held: AbortSignal) => Promise<T>): Promise<T> {
    const keys = [...new Set(batchIds)].sort();
    return inTransaction(this.database, async (transaction, ended) => {
      await transaction.query(LOCK_BATCHES, [keys]);
      return work(ended);
    });
  }
}
