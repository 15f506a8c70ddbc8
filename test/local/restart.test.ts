import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, generateImages, PipelineClient } from "@pipeline/local";
import { runtimeMajor, wiring } from "@pipeline/wiring";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { batchState } from "@pipeline/testkit";
import { StackProcess, type StackPorts } from "../support/StackProcess.js";
import { waitFor } from "../support/waitFor.js";

const UPLOADS = 120;
/**
 * Each start builds the bundles into its own folder (the second reuses them) and cold-starts the
 * function containers; on two busy cores that takes minutes, not the suite's default 2.
 */
const TEST_TIMEOUT_MILLIS = 300_000;

describe("restart: the local stack, stopped mid-batch, loses nothing", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /**
   * `npm start` on ports free a moment ago. Between freePort() and the stack's bind another process
   * of the suite may take one (as an outgoing connection's ephemeral port): then it starts again on
   * other ports, at most three times.
   */
  async function startOnFreePorts(dir: string) {
    for (let attempt = 1; ; attempt++) {
      const ports: StackPorts = {
        PORT: await freePort(),
        WS_PORT: await freePort(),
        WS_MANAGEMENT_PORT: await freePort(),
        SQS_PORT: await freePort(),
        PG_PORT: await freePort(),
        PG_PROXY_PORT: await freePort(),
        PG_POOLER_PORT: await freePort(),
      };
      const stack = StackProcess.start(dir, ports);
      cleanups.push(() => stack.signalAll("SIGKILL").catch(() => {}));
      try {
        return { stack, ports, endpoints: await stack.ready() };
      } catch (error) {
        if (attempt >= 3 || !/is already in use/.test(String(error))) throw error;
      }
    }
  }

  // Ctrl-C in a terminal signals the whole foreground process group; kill -9 of every process
  // gives nothing a chance to flush or to hand messages back.
  it.each(["SIGINT", "SIGKILL"] as const)(
    "%s to every process of the stack, then npm start again: 120 real images through the upload service, all completed, none failed, no container left behind",
    async (signal) => {
      // Prepare: `npm start` on a folder of its own, with the real media processor (its default).
      const dir = await mkdtemp(join(tmpdir(), "pipeline-restart-"));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const { stack: first, ports, endpoints } = await startOnFreePorts(dir);
      expect(Number(first.nodeVersion()?.split(".")[0]), "the stack runs on the deployed runtime's Node major").toBe(runtimeMajor(wiring.runtime));
      const database = new pg.Pool({ connectionString: endpoints.databaseUrl, max: 2 });
      database.on("error", () => {});
      cleanups.push(() => database.end());

      const client = await PipelineClient.forDemoUser(endpoints.httpUrl, endpoints.wsUrl, `restart-${signal.toLowerCase()}`);
      const { batchId } = await client.submit(await generateImages(UPLOADS));
      const atStop = await waitFor(async () => {
        const state = await batchState(database, batchId);
        return state.processed >= 20 ? state : undefined;
      }, 150_000, "the batch to be under way");

      const containers = first.containerPids();

      // Act: stop every process of the stack mid-batch, then start it again on the same folder.
      await first.signalAll(signal);
      const orphans = first.containerPids();
      const second = StackProcess.start(dir, ports);
      cleanups.push(() => second.signalAll("SIGINT").catch(() => second.signalAll("SIGKILL")));
      await second.ready();

      // Assess
      expect(atStop.processed, "stopped while uploads were still to do").toBeLessThan(UPLOADS);
      expect(containers.length, "the functions ran in containers of their own").toBeGreaterThan(0);
      expect(orphans, "no container outlives its stack").toEqual([]);
      const final = await waitFor(async () => {
        const state = await batchState(database, batchId);
        return state.status === "completed" ? state : undefined;
      }, 150_000, "the batch to complete after the restart");
      expect(final).toMatchObject({ total: UPLOADS, processed: UPLOADS, successful: UPLOADS, failed: 0 });
      expect(final.actual).toMatchObject({ all: UPLOADS, completed: UPLOADS, failed: 0 });
      const { rows } = await database.query<{ thumbnails: number }>(
        "SELECT count(*) FILTER (WHERE thumbnail_path IS NOT NULL)::int AS thumbnails FROM uploads WHERE batch_id = $1",
        [batchId],
      );
      expect(rows[0]?.thumbnails, "every upload was read from storage and got its thumbnail").toBe(UPLOADS);
      expect(second.log).toMatch(/queues\s+restored/);
    },
    TEST_TIMEOUT_MILLIS,
  );
});
