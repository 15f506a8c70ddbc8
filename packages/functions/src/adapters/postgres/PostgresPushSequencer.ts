import type { PushSequencer } from "@pipeline/core";
import { withConnection, type Database } from "./Sql.js";

/**
 * Per-batch session advisory locks on one connection, taken in key order (so two finalizers with
 * overlapping batches cannot deadlock) and held while the versions are assigned and pushed. A
 * finalizer that dies, or whose session the server ends, loses the connection, and Postgres
 * releases the locks with it.
 */
export class PostgresPushSequencer implements PushSequencer {
  constructor(private readonly database: Database) {}

  async inOrder<T>(batchIds: readonly string[], work: () => Promise<T>): Promise<T> {
    const keys = [...new Set(batchIds)].sort();
    return withConnection(this.database, async (client) => {
      for (const key of keys) await client.query("SELECT pg_advisory_lock(hashtextextended($1, 7))", [key]);
      const result = await work();
      await client.query("SELECT pg_advisory_unlock_all()");
      return result;
    });
  }
}
