import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { freePort, readStackFile, scratchDir, startLocalStack, type LocalStack } from "@pipeline/local";
import type { StackFile } from "@pipeline/wiring/stackFile";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ANY_PORTS, printWarnings, warmContainers } from "../support/startTestStack.js";

// One namespace per test process; interface names stay within Linux's 15 characters.
const id = process.pid % 100_000;
const NAMESPACE = `pipeline-probe-${id}`;
const HOST_LINK = `pph${id}`;
const PEER_LINK = `ppn${id}`;
const HOST_ADDRESS = `10.231.${id % 250}.1`;
const PEER_ADDRESS = `10.231.${id % 250}.2`;

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });

/** A second machine on a wire to this one: a network namespace joined to the host by a veth pair. */
function createPeerNamespace(): void {
  try {
    ip("netns", "add", NAMESPACE);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    throw new Error(`this test needs network namespaces (root, iproute2's \`ip netns\`), as on CI: \`ip netns add\` failed: ${stderr.trim()}`, { cause: error });
  }
  ip("link", "add", HOST_LINK, "type", "veth", "peer", "name", PEER_LINK);
  ip("link", "set", PEER_LINK, "netns", NAMESPACE);
  ip("addr", "add", `${HOST_ADDRESS}/30`, "dev", HOST_LINK);
  ip("link", "set", HOST_LINK, "up");
  ip("netns", "exec", NAMESPACE, "ip", "addr", "add", `${PEER_ADDRESS}/30`, "dev", PEER_LINK);
  ip("netns", "exec", NAMESPACE, "ip", "link", "set", PEER_LINK, "up");
  ip("netns", "exec", NAMESPACE, "ip", "link", "set", "lo", "up");
}

function removePeerNamespace(): void {
  // Removing the namespace removes the veth pair with it; the link is removed first in case the namespace never got it.
  for (const args of [["link", "del", HOST_LINK], ["netns", "del", NAMESPACE]]) {
    try {
      ip(...args);
    } catch {
      // Not there: nothing to remove.
    }
  }
}

/** TCP connects from inside the namespace to `host`'s ports: "open", "refused" or "timeout" each. */
function probeFromPeer(host: string, ports: number[]): Record<string, string> {
  const script = `
    const net = require("node:net");
    const [host, ...ports] = process.argv.slice(1);
    Promise.all(ports.map((port) => new Promise((resolve) => {
      const socket = net.connect({ host, port: Number(port) });
      const done = (result) => { socket.destroy(); resolve([port, result]); };
      socket.setTimeout(2000, () => done("timeout"));
      socket.once("connect", () => done("open"));
      socket.once("error", (error) => done(error.code === "ECONNREFUSED" ? "refused" : error.code));
    }))).then((results) => console.log(JSON.stringify(Object.fromEntries(results))));
  `;
  const output = execFileSync("ip", ["netns", "exec", NAMESPACE, process.execPath, "-e", script, host, ...ports.map(String)], { encoding: "utf8", timeout: 30_000 });
  return JSON.parse(output) as Record<string, string>;
}

/** This process and every process it started, however deep (Postgres, pgbouncer, the engine, the containers). */
function processTree(root: number): Set<number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent pid is the 2nd field after the command name, which is in parentheses and may hold spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // The process ended meanwhile.
    }
  }
  const tree = new Set([root]);
  for (let grown = true; grown; ) {
    grown = false;
    for (const [pid, parent] of parents) {
      if (tree.has(parent) && !tree.has(pid)) {
        tree.add(pid);
        grown = true;
      }
    }
  }
  return tree;
}

/** Every TCP listener of these processes, as `ss` reports it: the address it is bound to and its port. */
function listenersOf(pids: Set<number>): Array<{ address: string; port: number; process: string }> {
  return execFileSync("ss", ["-Hltnp"], { encoding: "utf8" })
    .split("\n")
    .flatMap((line) => {
      const local = line.trim().split(/\s+/)[3] ?? "";
      const owners = [...line.matchAll(/\("([^"]+)",pid=(\d+)/g)].filter((owner) => pids.has(Number(owner[2])));
      const owner = owners[0];
      if (!owner) return [];
      const separator = local.lastIndexOf(":");
      return [{ address: local.slice(0, separator), port: Number(local.slice(separator + 1)), process: owner[1] ?? "" }];
    });
}

/** The ports a client of the stack is told about, in its stack file. */
function stackFilePorts(file: StackFile): number[] {
  return [file.httpUrl, file.wsUrl, file.managementEndpoint, file.sqsEndpoint, `tcp://${file.pgProxy}`, file.databaseUrl, file.pooledDatabaseUrl].map((url) => Number(new URL(url).port));
}

describe("the local stack seen from another machine on the network", () => {
  let dir: string;
  let stack: LocalStack | undefined;
  let control: Server | undefined;

  beforeAll(async () => {
    createPeerNamespace();
    dir = await scratchDir("pipeline-isolation-");
    // The whole stack as `npm start` runs it: embedded Postgres, its own pgbouncer, the engine, containers.
    stack = await startLocalStack({ dir, ports: { ...ANY_PORTS, postgres: await freePort() }, requirePooler: true, built: inject("builtFunctions"), containerLog: printWarnings, niceBackground: false });
    // A container's Runtime API listens only while the container lives.
    await warmContainers(stack, "fanout", 1);
    // The positive control: a listener on every interface, which the namespace must reach.
    control = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => control?.listen(0, "0.0.0.0", resolve));
  });
  afterAll(async () => {
    removePeerNamespace();
    await new Promise<void>((resolve) => (control ? control.close(() => resolve()) : resolve()));
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers on none of its ports, while a listener on 0.0.0.0 is reached", () => {
    // Prepare
    const listeners = listenersOf(processTree(process.pid)).filter((listener) => listener.port !== (control?.address() as { port: number }).port);
    const controlPort = (control?.address() as { port: number }).port;
    const advertised = stackFilePorts(readStackFile(dir));
    const runtimeApis = listeners.filter((listener) => listener.process !== "postgres" && listener.process !== "pgbouncer" && !advertised.includes(listener.port));

    // Act
    const results = probeFromPeer(HOST_ADDRESS, [controlPort, ...listeners.map((listener) => listener.port)]);

    // Assess: the probe can see this machine, the enumeration found every advertised port and a
    // container's Runtime API, every listener is on loopback, and none answers the other machine.
    expect(results[String(controlPort)]).toBe("open");
    expect(listeners.map((listener) => listener.port)).toEqual(expect.arrayContaining(advertised));
    expect(runtimeApis.length).toBeGreaterThanOrEqual(1);
    expect(listeners.filter((listener) => listener.address !== "127.0.0.1" && listener.address !== "[::1]")).toEqual([]);
    const answered = listeners.filter((listener) => results[String(listener.port)] !== "refused");
    expect(answered).toEqual([]);
  });
});
