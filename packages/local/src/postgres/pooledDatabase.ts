import { assertPortFree } from "../stack/ports.js";
import { findPgBouncer, PgBouncerNotInstalledError, startPgBouncer, PGBOUNCER_INSTALL_COMMAND } from "./startPgBouncer.js";

export interface PooledDatabaseOptions {
  /** Where a pgbouncer of the stack's own keeps its files. */
  dir: string;
  /** Its port; 0 picks a free one. */
  port: number;
  /** The direct connection string (migrations and operators keep using it). */
  directUrl: string;
  /** A pooled endpoint already running (the test suite's pgbouncer): used as is. */
  pooledUrl?: string | undefined;
  /** Fail when pgbouncer is missing (tests) instead of running direct (`npm start` on a bare machine). */
  required?: boolean;
}

export interface PooledDatabase {
  /** The functions' connection string: pgbouncer in transaction mode, or the direct one when there is none. */
  url: string;
  /** One line for the stack's log: which path the functions take. */
  summary: string;
  stop(): Promise<void>;
}

/**
 * The functions' path to Postgres, as on Neon: the pooled endpoint (PgBouncer in transaction
 * mode) in front of the database the stack migrated over the direct one.
 */
export async function startPooledDatabase(options: PooledDatabaseOptions): Promise<PooledDatabase> {
  const stop = async () => {};
  if (options.pooledUrl) return { url: options.pooledUrl, summary: "pooler     the given pgbouncer, for the functions", stop };
  if (!findPgBouncer()) {
    if (options.required) throw new PgBouncerNotInstalledError();
    return {
      url: options.directUrl,
      summary: `pooler     none: pgbouncer is not installed (\`${PGBOUNCER_INSTALL_COMMAND}\`), so the functions connect direct, unlike on Neon's pooled endpoint`,
      stop,
    };
  }
  await assertPortFree(options.port, "pgbouncer", "PG_POOLER_PORT");
  const pooler = await startPgBouncer({ dir: options.dir, port: options.port, serverUrl: options.directUrl });
  return {
    url: pooler.pooledUrl(options.directUrl),
    summary: `pooler     pgbouncer ${pooler.version}, ${pooler.poolMode} mode, on 127.0.0.1:${pooler.port}, for the functions`,
    stop: () => pooler.stop(),
  };
}
