import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleFunction, REPOSITORY_ROOT, type FunctionBundle } from "@pipeline/local";
import { wiring } from "@pipeline/wiring";
import { afterAll, beforeAll, describe, expect, it } from "vitest";


/** Every deployed handler, by the name it is reported under. */
const HANDLERS: Record<string, string> = {
  ...Object.fromEntries(Object.entries(wiring.functions).map(([name, settings]) => [name, settings.handler])),
  ...Object.fromEntries(Object.entries(wiring.webSocket.routes).map(([route, handler]) => [`ws ${route}`, handler])),
  reconciler: wiring.reconciler.handler,
};

const MEDIA_STACK = [/packages\/media\//, /node_modules\/(mp4box|exifr|music-metadata|file-type)\//];
const SQS_CLIENT = [/node_modules\/@aws-sdk\/client-sqs\//];

function takesIn(bundle: FunctionBundle, patterns: RegExp[]): string[] {
  return Object.keys(bundle.inputs).filter((path) => patterns.some((pattern) => pattern.test(path)));
}

describe("function bundles, built as SST builds them", () => {
  let dir: string;
  const byHandler = new Map<string, FunctionBundle>();
  const bundleOf = (name: string): FunctionBundle => {
    const bundle = byHandler.get(HANDLERS[name] ?? "");
    if (!bundle) throw new Error(`no bundle for ${name}`);
    return bundle;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "pipeline-bundles-"));
    for (const handler of new Set(Object.values(HANDLERS))) {
      byHandler.set(handler, await bundleFunction({ root: REPOSITORY_ROOT, handler, outDir: join(dir, String(byHandler.size)) }));
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(Object.keys(wiring.webSocket.routes))("keeps the media stack and the SQS client out of the WebSocket function of %s", (route) => {
    const bundle = bundleOf(`ws ${route}`);
    expect(takesIn(bundle, MEDIA_STACK)).toEqual([]);
    expect(takesIn(bundle, SQS_CLIENT)).toEqual([]);
  });

  it("leaves sharp to the deployment's install step, as SST does", () => {
    const worker = bundleOf("worker");
    expect(worker.externals).toContain("sharp");
    expect(Object.keys(worker.inputs).filter((path) => path.includes("node_modules/sharp/"))).toEqual([]);
  });
});
