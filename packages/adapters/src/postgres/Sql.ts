import { errorMessage } from "@pipeline/core";

/** The one method the repositories need from a pool or a client: parameterised queries only. */
export interface Sql {
  query<R extends Record<string, unknown> = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

export interface HeldConnection extends Sql {
  release(error?: Error | boolean): void;
  on(event: "error", listener: (error: Error) => void): unknown;
  removeListener(event: "error", listener: (error: Error) => void): unknown;
}

/**
 * A pool that can also lend one connection, for the rare work that needs a transaction. Never for
 * session state (session locks, `SET`, `LISTEN`, temporary tables): the pooled endpoint is a
 * transaction-mode pooler, where a connection's next transaction may run on another server connection.
 */
export interface Database extends Sql {
  connect(): Promise<HeldConnection>;
}

/**
 * Lends one connection for `work`. A session the server ends while it is held (restart, failover,
 * pg_terminate_backend) emits 'error' on the client: without a listener that would end the
 * process; with one, the query in flight fails and `work` sees the error. `ended` aborts at that
 * moment, even when no query is in flight: what the session held (its transaction, its locks) is
 * gone from then on.
 */
export async function withConnection<T>(database: Database, work: (client: HeldConnection, ended: AbortSignal) => Promise<T>): Promise<T> {
  const client = await database.connect();
  const session = new AbortController();
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
    session.abort(error);
  };
  client.on("error", onError);
  try {
    return await work(client, session.signal);
  } catch (error) {
    lost ??= error instanceof Error ? error : new Error(errorMessage(error), { cause: error });
    throw error;
  } finally {
    client.removeListener("error", onError);
    // A connection that failed is dropped, not returned to the pool (its open transaction rolls back, locks included).
    client.release(lost ?? false);
  }
}

/**
 * Runs `work` in a transaction on one connection; rolls back when it throws. `ended` aborts when
 * the server ends the session (see `withConnection`): the transaction and its locks are gone.
 */
export async function inTransaction<T>(database: Database, work: (sql: Sql, ended: AbortSignal) => Promise<T>): Promise<T> {
  return withConnection(database, async (client, ended) => {
    await client.query("BEGIN");
    try {
      const result = await work(client, ended);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    }
  });
}
