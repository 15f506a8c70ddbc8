/** The one method the repositories need from a pool or a client: parameterised queries only. */
export interface Sql {
  query<R extends Record<string, unknown> = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** A pool that can also lend one connection, for the rare work that needs a transaction. */
export interface Database extends Sql {
  connect(): Promise<Sql & { release(error?: Error | boolean): void }>;
}

/** Runs `work` in a transaction on one connection; rolls back when it throws. */
export async function inTransaction<T>(database: Database, work: (sql: Sql) => Promise<T>): Promise<T> {
  const client = await database.connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    client.release();
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    client.release(error instanceof Error ? error : true);
    throw error;
  }
}
