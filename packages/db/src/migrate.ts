import { fileURLToPath } from "node:url";
import { runner } from "node-pg-migrate";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../migrations", import.meta.url));

export interface MigrateOptions {
  databaseUrl: string;
  log?: (message: string) => void;
}

/** Applies every pending migration. Safe to run concurrently: node-pg-migrate takes an advisory lock. */
export async function migrate({ databaseUrl, log = () => {} }: MigrateOptions): Promise<void> {
  await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: "up",
    migrationsTable: "pgmigrations",
    log,
    checkOrder: true,
  });
}
