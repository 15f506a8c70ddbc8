import { fileURLToPath } from "node:url";
import { runner } from "node-pg-migrate";
import { assertDirectConnectionString } from "./directConnection.js";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../migrations", import.meta.url));

export interface MigrateOptions {
  databaseUrl: string;
  log?: (message: string) => void;
}

/**
 * Applies every pending migration. Safe to run concurrently: node-pg-migrate takes a session
 * advisory lock, which is also why it needs the direct connection, not Neon's pooled endpoint.
 */
export async function migrate({ databaseUrl, log = () => {} }: MigrateOptions): Promise<void> {
  assertDirectConnectionString(databaseUrl, "Migrations (node-pg-migrate holds a session advisory lock for the whole run)");
  await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: "up",
    migrationsTable: "pgmigrations",
    log,
    checkOrder: true,
  });
}
