import { resolve } from "node:path";
import { readStackFile as readStackFileAt, type StackFile } from "@pipeline/wiring/stackFile";

/** The stack file of the local stack in `dir` (LOCAL_DIR, else `.local`). */
export function readStackFile(dir = process.env.LOCAL_DIR ?? ".local"): StackFile {
  return readStackFileAt(resolve(dir, "stack.json"));
}
