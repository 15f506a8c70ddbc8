import { randomUUID } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";

export interface TestDatabase {
  /** The direct connection string: migrations, operators, and tests that inspect the server. */
  url: string;
  /**
   * The same database through the run's pgbouncer in transaction mode: the functions' path, as
   * Neon's pooled endpoint. Throws, naming the install command, when pgbouncer is missing.
   */
  pooledUrl(): string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own for one test file, cloned from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject("postgresAdminUrl");
  const name = `t_${randomUUID().replaceAll("-", "")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject("templateDatabase")}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    pooledUrl: () => pooledUrlOf(url),
    name,
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

function pooledUrlOf(directUrl: URL): string {
  const pooler = inject("pooler");
  if ("missing" in pooler) throw new Error(pooler.missing);
  const url = new URL(directUrl);
  url.port = String(pooler.port);
  return url.toString();
}
