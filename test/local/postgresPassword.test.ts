import { statSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { freePort, scratchDir, startEmbeddedPostgres, type RunningPostgres } from "@pipeline/local";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const FSYNC_OFF = ["-c", "fsync=off", "-c", "synchronous_commit=off"];

/** Whether a connection with this password is let in. */
async function accepts(url: string, password: string): Promise<boolean> {
  const withPassword = new URL(url);
  withPassword.password = password;
  const client = new pg.Client({ connectionString: withPassword.toString() });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

describe("embedded Postgres's superuser password", () => {
  let dir: string;
  const running: RunningPostgres[] = [];

  beforeAll(async () => {
    dir = await scratchDir("pipeline-pg-password-");
  });
  afterAll(async () => {
    for (const postgres of running) await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("is made at random when the cluster is created and kept beside its data directory, mode 600", async () => {
    // Act
    const dataDir = join(dir, "fresh");
    const postgres = await startEmbeddedPostgres({ dataDir, port: await freePort(), extraFlags: FSYNC_OFF });
    running.push(postgres);

    // Assess
    const password = decodeURIComponent(new URL(postgres.url()).password);
    expect(password).not.toBe("postgres");
    expect(password.length).toBeGreaterThanOrEqual(32);
    expect((await readFile(`${dataDir}.password`, "utf8")).trim()).toBe(password);
    expect(statSync(`${dataDir}.password`).mode & 0o777).toBe(0o600);
    expect(await accepts(postgres.url(), "postgres")).toBe(false);
    expect(await accepts(postgres.url(), password)).toBe(true);
  });

  it("of a cluster made with the old fixed password is rotated at its next start", async () => {
    // Prepare: a cluster as earlier versions made it (password `postgres`, no password file).
    const dataDir = join(dir, "legacy");
    const port = await freePort();
    const legacy = await startEmbeddedPostgres({ dataDir, port, password: "postgres", extraFlags: FSYNC_OFF });
    await legacy.stop();

    // Act
    const postgres = await startEmbeddedPostgres({ dataDir, port, extraFlags: FSYNC_OFF });
    running.push(postgres);

    // Assess
    const password = decodeURIComponent(new URL(postgres.url()).password);
    expect(password).not.toBe("postgres");
    expect((await readFile(`${dataDir}.password`, "utf8")).trim()).toBe(password);
    expect(await accepts(postgres.url(), "postgres")).toBe(false);
    expect(await accepts(postgres.url(), password)).toBe(true);
  });
});
