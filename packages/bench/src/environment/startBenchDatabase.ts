import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startEmbeddedPostgres } from "@pipeline/local";
import pg from "pg";
import { StatementCounter } from "../measure/StatementCounter.js";

export interface BenchDatabase {
  url: string;
  /** For the harness's own work (seeding, reading results); never used inside a measured window. */
  admin: pg.Pool;
  postgresVersion: string;
  /** How statements are counted, or why they are not. */
  statements: StatementCounter | { unavailable: string };
  /** The postmaster's pid when the server runs on this machine and its data directory is readable. */
  postmasterPid: number | undefined;
  /** Embedded: durability as Postgres ships it (fsync and synchronous_commit on). */
  description: string;
  /**
   * Vacuums and analyzes the pipeline's tables, so that a measurement starts neither behind an
   * autovacuum of what the previous one deleted nor with statistics that predate its own rows: the
   * steady state of a database whose autovacuum keeps up. Plans depend on it (docs/benchmarks.md).
   */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

const DATABASE = "bench";

/**
 * The Postgres the benchmark measures: `databaseUrl` when given, else an embedded server of its own
 * in a temporary directory, with pg_stat_statements preloaded and Postgres' default durability
 * (fsync and synchronous_commit on), since commit cost is part of what is measured.
 */
export async function startBenchDatabase(databaseUrl: string | undefined): Promise<BenchDatabase> {
  if (databaseUrl) {
    const admin = adminPool(databaseUrl);
    return finish(databaseUrl, admin, await postmasterPidOf(admin), "DATABASE_URL", async () => {
      await admin.query("DELETE FROM upload_batches WHERE user_id LIKE 'bench-%'").catch(() => {});
      await admin.end();
    });
  }
  const dir = await mkdtemp(join(tmpdir(), "pipeline-bench-"));
  const dataDir = join(dir, "data");
  const postgres = await startEmbeddedPostgres({
    dataDir,
    port: await freePort(),
    persistent: false,
    extraFlags: ["-c", "shared_preload_libraries=pg_stat_statements"],
  });
  const setup = new pg.Client({ connectionString: postgres.url() });
  await setup.connect();
  await setup.query(`CREATE DATABASE ${DATABASE}`);
  await setup.end();
  const url = postgres.url(DATABASE);
  const admin = adminPool(url);
  return finish(url, admin, readPostmasterPid(dataDir), "embedded, default durability", async () => {
    await admin.end();
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  });
}

async function finish(url: string, admin: pg.Pool, postmasterPid: number | undefined, kind: string, stop: () => Promise<void>): Promise<BenchDatabase> {
  const { rows } = await admin.query<{ server_version: string }>("SHOW server_version");
  const postgresVersion = rows[0]?.server_version ?? "unknown";
  return {
    url,
    admin,
    postgresVersion,
    statements: await StatementCounter.open(admin),
    postmasterPid,
    description: `${kind}, Postgres ${postgresVersion}`,
    settle: async () => {
      await admin.query("VACUUM (ANALYZE) uploads, upload_batches, connections");
    },
    stop,
  };
}

function adminPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // An idle connection the server drops (at shutdown) must not end the process.
  pool.on("error", () => {});
  return pool;
}

/** Found only for a server on this machine whose data directory this user may read. */
async function postmasterPidOf(admin: pg.Pool): Promise<number | undefined> {
  try {
    const { rows } = await admin.query<{ dir: string }>("SELECT current_setting('data_directory') AS dir");
    return rows[0] ? readPostmasterPid(rows[0].dir) : undefined;
  } catch {
    return undefined;
  }
}

function readPostmasterPid(dataDir: string): number | undefined {
  const file = join(dataDir, "postmaster.pid");
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8").split("\n")[0]);
  return Number.isInteger(pid) && existsSync(`/proc/${pid}`) ? pid : undefined;
}
