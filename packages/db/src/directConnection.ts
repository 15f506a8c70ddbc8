/** A Neon pooled connection string given where only the direct one works. */
export class PooledConnectionStringError extends Error {
  override readonly name = "PooledConnectionStringError";
  constructor(
    readonly host: string,
    readonly user: string,
  ) {
    super(
      `${user} needs the direct connection string, but ${host} is Neon's pooled endpoint (PgBouncer in transaction mode, which keeps no session state between transactions). Use the same string with "-pooler" removed from the host; see docs/deploy.md, "Connection strings and pools".`,
    );
  }
}

/**
 * Refuses Neon's pooled endpoint, whose host names the compute with a `-pooler` suffix
 * (`ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech`), for work that must hold a session:
 * migrations (node-pg-migrate's advisory lock), operators, measurements.
 */
export function assertDirectConnectionString(connectionString: string, user: string): void {
  let host: string;
  try {
    host = new URL(connectionString).hostname;
  } catch {
    // Not a URL: the driver reports what is wrong with it.
    return;
  }
  if ((host.split(".")[0] ?? "").endsWith("-pooler")) throw new PooledConnectionStringError(host, user);
}
