import { mkdir } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import { build, type Metafile } from "esbuild";

/** What SST always leaves out of a Node.js bundle (native modules), and installs when imported. */
const FORCE_EXTERNAL = ["sharp", "pg-native"];

// SST's ESM banner: bundled CommonJS dependencies still find require, __filename and __dirname.
const ESM_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  `const require = topLevelCreateRequire(import.meta.url);`,
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  `const __filename = topLevelFileUrlToPath(import.meta.url)`,
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
].join("\n");

export interface BundleOptions {
  /** Repository root, against which the wiring's handler paths are written. */
  root: string;
  /** A wiring handler: `packages/functions/src/ws/connect.handler`. */
  handler: string;
  /** Where the bundle goes; one folder per function. */
  outDir: string;
  /** Packages the deployment installs instead of bundling (SST's `nodejs.install`). */
  install?: readonly string[];
  minify?: boolean;
}

export interface FunctionBundle {
  /** The `.mjs` file Lambda loads. */
  file: string;
  /** The export Lambda calls. */
  exportName: string;
  bytes: number;
  /** Every input esbuild put in the bundle, relative to the root, with its bytes in the output. */
  inputs: Record<string, number>;
  /** Imports left to the runtime: Node built-ins and the installed packages. */
  externals: string[];
}

/**
 * Builds one function as `sst deploy` does (SST's Node runtime: esbuild, bundle, platform node, ESM
 * with its createRequire banner, target esnext, main fields module then main, names kept, sharp
 * and pg-native external, minified), so what runs or is measured locally is the deployed artefact.
 */
export async function bundleFunction(options: BundleOptions): Promise<FunctionBundle> {
  const exportName = extname(options.handler).slice(1);
  const modulePath = options.handler.slice(0, -(exportName.length + 1));
  const entry = resolve(options.root, `${modulePath}.ts`);
  const file = join(options.outDir, `${basename(modulePath).replaceAll(".", "-")}.mjs`);
  await mkdir(dirname(file), { recursive: true });
  const minify = options.minify ?? true;
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: options.root,
    platform: "node",
    format: "esm",
    target: "esnext",
    mainFields: ["module", "main"],
    bundle: true,
    keepNames: true,
    external: [...FORCE_EXTERNAL, ...(options.install ?? [])],
    banner: { js: ESM_BANNER },
    outfile: file,
    metafile: true,
    minifyWhitespace: minify,
    minifySyntax: minify,
    minifyIdentifiers: minify,
    logLevel: "silent",
  });
  const output = Object.values(result.metafile.outputs)[0];
  if (!output) throw new Error(`esbuild produced no output for ${options.handler}`);
  return { file, exportName, bytes: output.bytes, inputs: inputBytes(output), externals: externalImports(result.metafile) };
}

function inputBytes(output: Metafile["outputs"][string]): Record<string, number> {
  return Object.fromEntries(Object.entries(output.inputs).map(([path, input]) => [path, input.bytesInOutput]));
}

function externalImports(metafile: Metafile): string[] {
  const externals = new Set<string>();
  for (const input of Object.values(metafile.inputs)) for (const found of input.imports) if (found.external) externals.add(found.path);
  return [...externals].sort();
}
