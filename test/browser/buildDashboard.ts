import { fileURLToPath } from "node:url";
import { build } from "vite";

const WEB_PACKAGE = fileURLToPath(new URL("../../packages/web", import.meta.url));

/**
 * Builds the dashboard from its current sources with its own vite.config.ts, into `outDir`, so a
 * browser test never runs against a stale `dist`.
 */
export async function buildDashboard(outDir: string): Promise<void> {
  await build({ root: WEB_PACKAGE, logLevel: "warn", build: { outDir, emptyOutDir: true } });
}
