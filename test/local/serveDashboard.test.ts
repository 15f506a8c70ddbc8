import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serveDashboard } from "@pipeline/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("serveDashboard", () => {
  let dir: string;
  let server: Server;
  let base: string;
  let wsUrl: string | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "pipeline-dashboard-"));
    await mkdir(join(dir, "dist", "assets"), { recursive: true });
    await writeFile(join(dir, "dist", "index.html"), "<!doctype html><title>dashboard</title>");
    await writeFile(join(dir, "dist", "assets", "index-abc123.js"), "console.log('hi');");
    await writeFile(join(dir, "secret.txt"), "outside the build");
    const handler = serveDashboard({ distDir: join(dir, "dist"), wsUrl: () => wsUrl });
    server = createServer((request, response) => {
      void handler(request, response).then((handled) => {
        if (!handled) response.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it("serves index.html at / and hashed assets with their content type, cached for good", async () => {
    const index = await fetch(`${base}/`);
    const asset = await fetch(`${base}/assets/index-abc123.js`);

    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(await index.text()).toContain("<title>dashboard</title>");
    expect(asset.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(asset.headers.get("cache-control")).toContain("immutable");
  });

  it("generates config.json from the stack's WebSocket URL, and answers 503 until the gateway is up", async () => {
    wsUrl = undefined;
    const starting = await fetch(`${base}/config.json`);
    wsUrl = "ws://127.0.0.1:4001";
    const ready = await fetch(`${base}/config.json`);

    expect(starting.status).toBe(503);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ apiUrl: "", wsUrl: "ws://127.0.0.1:4001" });
  });

  it("leaves paths outside the build, unknown files and other methods to the caller", async () => {
    const escaped = await fetch(`${base}/..%2fsecret.txt`);
    const missing = await fetch(`${base}/nothing.js`);
    const posted = await fetch(`${base}/`, { method: "POST" });

    expect([escaped.status, missing.status, posted.status]).toEqual([404, 404, 404]);
  });

  it("says how to build the dashboard when it is not built", async () => {
    const handler = serveDashboard({ distDir: join(dir, "not-built"), wsUrl: () => undefined });
    const unbuilt = createServer((request, response) => void handler(request, response));
    await new Promise<void>((resolve) => unbuilt.listen(0, "127.0.0.1", resolve));

    const response = await fetch(`http://127.0.0.1:${(unbuilt.address() as AddressInfo).port}/`);
    await new Promise((resolve) => unbuilt.close(resolve));

    expect(response.status).toBe(503);
    expect(await response.text()).toContain("npm run build -w @pipeline/web");
  });
});
