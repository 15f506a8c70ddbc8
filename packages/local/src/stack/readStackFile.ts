import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { StackEndpoints } from "./StackEndpoints.js";

/** Thrown when no local stack has written its stack file. */
export class StackNotFoundError extends Error {
  override readonly name = "StackNotFoundError";
  constructor(readonly path: string) {
    super(`no local stack found (${path} is missing): start one with \`npm start\``);
  }
}

export async function readStackFile(dir = process.env.LOCAL_DIR ?? ".local"): Promise<StackEndpoints> {
  const path = resolve(dir, "stack.json");
  try {
    return JSON.parse(await readFile(path, "utf8")) as StackEndpoints;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new StackNotFoundError(path);
    throw error;
  }
}
