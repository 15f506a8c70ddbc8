import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";

/**
 * What the local stack keeps in its folder; the auth secret and the engines' key pair stay, so open
 * dashboards can sign in again and tools holding the key keep working.
 */
const DATA = ["postgres", "postgres.password", "queues", "objects", "stack.json"];

/**
 * Removes the stack's data (embedded Postgres, queued messages, stored objects, stack.json) and
 * nothing else, whatever else the folder holds. Returns what was there.
 */
export async function removeLocalData(dir: string): Promise<string[]> {
  const present = DATA.filter((name) => existsSync(join(dir, name)));
  for (const name of present) await rm(join(dir, name), { recursive: true, force: true });
  return present;
}
