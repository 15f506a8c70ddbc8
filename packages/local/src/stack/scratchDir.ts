import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const TMPFS = "/dev/shm";

/**
 * A folder for a throwaway stack (tests, benchmark): on tmpfs where the machine has one, so the
 * queue engine's write-through state costs no disk flush per call, as the test Postgres runs with
 * fsync off. The code path is `npm start`'s; only the medium differs. The restart test keeps its
 * stack on disk, where durability is what it proves.
 */
export async function scratchDir(prefix: string): Promise<string> {
  return mkdtemp(join(existsSync(TMPFS) ? TMPFS : tmpdir(), prefix));
}
