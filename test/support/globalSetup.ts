import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate } from "@pipeline/db";
import { startEmbeddedPostgres } from "@pipeline/local/postgres/startEmbeddedPostgres";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { freePort } from "@pipeline/local/stack/freePort";

declare module "vitest" {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    templateDatabase: string;
  }
}

export const TEMPLATE_DATABASE = "pipeline_template";

/** One real Postgres for the run; each test file clones a migrated template database. */
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
  project.provide("postgresAdminUrl", postgres.url());
  project.provide("templateDatabase", TEMPLATE_DATABASE);
  return async () => {
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
