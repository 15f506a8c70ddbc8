import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate } from "@pipeline/db";
import { buildFunctions, freePort, PgBouncerNotInstalledError, REPOSITORY_ROOT, startEmbeddedPostgres, startPgBouncer, type BuiltFunctions, type RunningPgBouncer } from "@pipeline/local";
import { wiring } from "@pipeline/wiring";
import pg from "pg";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    templateDatabase: string;
    /** The run's pgbouncer (transaction mode), or why there is none: a test that needs it fails with that. */
    pooler: { port: number } | { missing: string };
    /** The deployed functions' bundles, built once for the run (a local stack's containers run them). */
    builtFunctions: BuiltFunctions;
  }
}

export const TEMPLATE_DATABASE = "pipeline_template";

/**
 * One real Postgres for the run, behind one PgBouncer in transaction mode (the functions' path, as
 * on Neon's pooled endpoint); each test file clones a migrated template database.
 */
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(join(tmpdir(), "pipeline-test-pg-"));
  const postgres = await startEmbeddedPostgres({
    dataDir: join(dir, "data"),
    port: await freePort(),
    persistent: false,
    // A throwaway cluster: durability buys nothing here.
    extraFlags: ["-c", "fsync=off", "-c", "synchronous_commit=off"],
  });
  const admin = new pg.Client({ connectionString: postgres.url() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await admin.end();
  await migrate({ databaseUrl: postgres.url(TEMPLATE_DATABASE) });

  let pooler: RunningPgBouncer | undefined;
  try {
    pooler = await startPgBouncer({ dir: join(dir, "pgbouncer"), port: 0, serverUrl: postgres.url() });
    console.log(`pgbouncer ${pooler.version}, pool_mode = ${await livePoolMode(pooler.pooledUrl(postgres.url("pgbouncer")))}, on 127.0.0.1:${pooler.port}: the functions' path in every pipeline test`);
    project.provide("pooler", { port: pooler.port });
  } catch (error) {
    if (!(error instanceof PgBouncerNotInstalledError)) throw error;
    console.error(error.message);
    project.provide("pooler", { missing: error.message });
  }
  // Kept between runs: rebuilt only when a file the bundles are made of changed.
  project.provide("builtFunctions", await buildFunctions(wiring, join(REPOSITORY_ROOT, "node_modules", ".cache", "pipeline-functions")));
  project.provide("postgresAdminUrl", postgres.url());
  project.provide("templateDatabase", TEMPLATE_DATABASE);
  return async () => {
    await pooler?.stop();
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  };
}

/** What the running pgbouncer says its pool mode is (its admin console), not what its config file asked for. */
async function livePoolMode(adminConsoleUrl: string): Promise<string> {
  const console = new pg.Client({ connectionString: adminConsoleUrl });
  await console.connect();
  try {
    const { rows } = await console.query<{ key: string; value: string }>("SHOW CONFIG");
    return rows.find((row) => row.key === "pool_mode")?.value ?? "unknown";
  } finally {
    await console.end();
  }
}
