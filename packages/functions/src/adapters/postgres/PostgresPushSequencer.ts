import type { PushSequencer } from "@pipeline/core";
import type { Database } from "./Sql.js";

/**
 * Per-batch session advisory locks on one connection, taken in key order (so two finalizers with
 * overlapping batches cannot deadlock) and held while the versions are assigned and pushed. A
 * finalizer that dies drops its connection, and Postgres releases the locks with it.
 */
export class PostgresPushSequencer implements PushSequencer {
  constructor(private readonly database: Database) {}

  async inOrder<T>(batchIds: readonly string[], work: () => Promise<T>): Promise<T> {
    const keys = [...new Set(batchIds)].sort();
    const client = await this.database.connect();
    let healthy = true;
    try {
      for (const key of keys) await client.query("SELECT pg_advisory_lock(hashtextextended($1, 7))", [key]);
      return await work();
    } catch (error) {
      healthy = false;
      throw error;
    } finally {
      try {
        await client.query("SELECT pg_advisory_unlock_all()");
      } catch {
        healthy = false;
      }
      // A connection that failed is dropped, which releases whatever it still holds.
      client.release(!healthy);
    }
  }
}
