import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/** Debian's Chromium (apt-get install chromium); Playwright's own browser downloads are never used. */
const CHROMIUM = "/usr/bin/chromium";

export interface RunningBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium as root in a container, with a profile of its own that is removed on close. */
export async function launchChromium(): Promise<RunningBrowser> {
  const profile = await mkdtemp(join(tmpdir(), "pipeline-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
