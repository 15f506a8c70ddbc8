import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { mkdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, version } from "esbuild";
import { deployedFunctions, type Wiring } from "@pipeline/wiring";
import { bundleFunction, type FunctionBundle } from "../build/bundleFunction.js";

/** The repository root: the wiring's handler paths are relative to it. */
export const REPOSITORY_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

export interface BuiltFunction {
  /** The folder Lambda would unpack the deployment package into (`LAMBDA_TASK_ROOT`). */
  taskRoot: string;
  /** `_HANDLER`: the module's name in the folder, and the export. */
  handlerSetting: string;
  bundle: FunctionBundle;
}

export interface BuiltFunctions {
  dir: string;
  /** The runtime client every container runs. */
  bootstrapFile: string;
  /** By handler (`packages/functions/src/queues/worker.handler`): functions sharing a handler share a bundle. */
  byHandler: Record<string, BuiltFunction>;
}

/**
 * Builds every deployed function's bundle as `sst deploy` does, each in a folder of its own with
 * the packages the wiring installs instead of bundling (linked from this repository's
 * node_modules, where SST would `npm install` them), and the containers' runtime client. A build
 * whose inputs (every file esbuild read) are unchanged since the last one in `dir` is reused.
 */
export async function buildFunctions(wiring: Wiring, dir: string): Promise<BuiltFunctions> {
  const handlers = new Map<string, readonly string[]>();
  for (const fn of deployedFunctions(wiring)) handlers.set(fn.handler, fn.install);
  const key = JSON.stringify({ esbuild: version, dir, handlers: [...handlers] });
  const cached = await readCache(dir, key);
  if (cached) return cached;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const built = await Promise.all(
    [...handlers].map(async ([handler, install], index): Promise<[string, BuiltFunction]> => {
      const taskRoot = join(dir, `${String(index).padStart(2, "0")}-${basename(handler.split(".")[0] ?? handler)}`);
      const bundle = await bundleFunction({ root: REPOSITORY_ROOT, handler, outDir: taskRoot, install });
      await linkInstalled(taskRoot, install);
      const moduleName = basename(bundle.file).replace(/\.mjs$/, "");
      return [handler, { taskRoot, handlerSetting: `${moduleName}.${bundle.exportName}`, bundle }];
    }),
  );
  const bootstrapFile = join(dir, "runtime", "bootstrap.mjs");
  const runtime = await build({
    entryPoints: [fileURLToPath(new URL("./container/bootstrap.ts", import.meta.url))],
    platform: "node",
    format: "esm",
    target: "node22",
    bundle: true,
    outfile: bootstrapFile,
    absWorkingDir: REPOSITORY_ROOT,
    metafile: true,
    logLevel: "silent",
  });
  const result: BuiltFunctions = { dir, bootstrapFile, byHandler: Object.fromEntries(built) };
  const inputs = new Set([...built.flatMap(([, fn]) => Object.keys(fn.bundle.inputs)), ...Object.keys(runtime.metafile.inputs)]);
  await writeCache(dir, { key, inputs: await fingerprints([...inputs]), built: result });
  return result;
}

/** What a build was made from: the next start reuses it while no input changed. */
interface BuildCache {
  key: string;
  inputs: Record<string, string>;
  built: BuiltFunctions;
}

const CACHE_FILE = "build.json";

async function readCache(dir: string, key: string): Promise<BuiltFunctions | undefined> {
  try {
    const cache = JSON.parse(await readFile(join(dir, CACHE_FILE), "utf8")) as BuildCache;
    if (cache.key !== key) return undefined;
    const current = await fingerprints(Object.keys(cache.inputs));
    return Object.entries(cache.inputs).every(([path, print]) => current[path] === print) ? cache.built : undefined;
  } catch {
    return undefined;
  }
}

async function writeCache(dir: string, cache: BuildCache): Promise<void> {
  await writeFile(join(dir, CACHE_FILE), JSON.stringify(cache));
}

/** Size and modification time of each input (relative to the repository root); a missing one prints as "gone". */
async function fingerprints(paths: string[]): Promise<Record<string, string>> {
  const prints = await Promise.all(
    paths.map(async (path) => {
      const info = await stat(join(REPOSITORY_ROOT, path)).catch(() => undefined);
      return [path, info ? `${info.size}:${info.mtimeMs}` : "gone"] as const;
    }),
  );
  return Object.fromEntries(prints);
}

/** What `nodejs.install` puts in the deployment package: each package, resolvable from the bundle. */
async function linkInstalled(taskRoot: string, packages: readonly string[]): Promise<void> {
  for (const name of packages) {
    const target = join(taskRoot, "node_modules", name);
    await mkdir(dirname(target), { recursive: true });
    await symlink(packageDir(name), target, "dir");
  }
}

/** The folder of an installed package (its exports may not include package.json). */
function packageDir(name: string): string {
  let dir = dirname(createRequire(join(REPOSITORY_ROOT, "package.json")).resolve(name));
  while (!existsSync(join(dir, "package.json")) || !dir.endsWith(`node_modules/${name}`)) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the folder of the installed package ${name}`);
    dir = parent;
  }
  return dir;
}
