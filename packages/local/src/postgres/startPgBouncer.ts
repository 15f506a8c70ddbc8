import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, mkdir, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { userInfo } from "node:os";
import { delimiter, join } from "node:path";
import { errorMessage } from "@pipeline/core";
import { freePort } from "../stack/freePort.js";

export const PGBOUNCER_INSTALL_COMMAND = "apt-get install -y pgbouncer";

/**
 * Neon's pooled endpoint, as far as one machine can play it: PgBouncer in transaction mode with
 * Neon's published limits. Each value and its reason is in docs/deploy.md ("Connection strings
 * and pools").
 */
export const POOLER_SETTINGS = {
  pool_mode: "transaction",
  // Neon: up to 10,000 client connections per compute; Lambda containers each keep a few.
  max_client_conn: 10000,
  // Neon: 90% of the compute's max_connections per user and database; the embedded cluster allows 300.
  default_pool_size: 64,
  // As Neon: a client waits up to 2 minutes for a server connection before its query fails.
  query_wait_timeout: 120,
  // Server connections idle for 10 minutes close, so a quiet stage lets its compute scale down.
  server_idle_timeout: 600,
  // Frozen or dead Lambda containers leave client sockets behind that never speak again.
  client_idle_timeout: 900,
} as const;

export class PgBouncerNotInstalledError extends Error {
  constructor() {
    super(`pgbouncer is not installed: \`${PGBOUNCER_INSTALL_COMMAND}\` (Debian's package; .ci/run installs it). The functions reach Postgres through it in transaction mode, as on Neon's pooled endpoint.`);
    this.name = "PgBouncerNotInstalledError";
  }
}

export interface PgBouncerOptions {
  /** Its config, auth file, log and pid file; created if missing. */
  dir: string;
  /** 0 picks a free port. */
  port: number;
  /** The direct connection string of the Postgres it pools; every database name is routed (`*`). */
  serverUrl: string;
}

export interface RunningPgBouncer {
  port: number;
  /** e.g. "1.18.0". */
  version: string;
  poolMode: string;
  /** `directUrl` with pgbouncer's address: the pooled connection string of the same database. */
  pooledUrl(directUrl: string): string;
  /** Stops it at once (SIGTERM: clients and server connections cut) and starts it on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Debian installs pgbouncer in /usr/sbin, which a non-root PATH often lacks. */
export function findPgBouncer(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin"];
  return dirs.map((dir) => join(dir, "pgbouncer")).find((path) => path.startsWith("/") && existsSync(path));
}

/**
 * Debian's PgBouncer in front of `serverUrl`, on loopback. As root (CI containers) it runs as the
 * OS `postgres` user, since pgbouncer refuses to run as root.
 */
export async function startPgBouncer(options: PgBouncerOptions): Promise<RunningPgBouncer> {
  const binary = findPgBouncer();
  if (!binary) throw new PgBouncerNotInstalledError();
  const version = /PgBouncer (\S+)/.exec(execFileSync(binary, ["--version"], { encoding: "utf8" }))?.[1] ?? "unknown";
  const port = options.port || (await freePort());
  const server = new URL(options.serverUrl);
  const user = decodeURIComponent(server.username);
  const password = decodeURIComponent(server.password);
  const asUser = userInfo().uid === 0 ? osUser("postgres") : undefined;

  await mkdir(options.dir, { recursive: true });
  if (asUser) await chmod(join(options.dir, ".."), 0o755);
  const config = join(options.dir, "pgbouncer.ini");
  const authFile = join(options.dir, "userlist.txt");
  const logFile = join(options.dir, "pgbouncer.log");
  const serverTls = ["require", "verify-ca", "verify-full"].includes(server.searchParams.get("sslmode") ?? "") ? "require" : "disable";
  const lines = [
    "[databases]",
    `* = host=${server.hostname} port=${server.port || 5432}`,
    "[pgbouncer]",
    "listen_addr = 127.0.0.1",
    `listen_port = ${port}`,
    // TCP only: a Unix socket would need a directory the postgres user can write, and nothing uses it.
    "unix_socket_dir =",
    "auth_type = scram-sha-256",
    `auth_file = ${authFile}`,
    `admin_users = ${user}`,
    `server_tls_sslmode = ${serverTls}`,
    ...Object.entries(POOLER_SETTINGS).map(([name, value]) => `${name} = ${value}`),
    `logfile = ${logFile}`,
    `pidfile = ${join(options.dir, "pgbouncer.pid")}`,
  ];
  await writeFile(config, lines.join("\n") + "\n", { mode: 0o600 });
  await writeFile(authFile, `"${user}" "${password.replaceAll('"', '""')}"\n`, { mode: 0o600 });
  if (asUser) for (const path of [options.dir, config, authFile]) await chown(path, asUser.uid, asUser.gid);

  let child: ChildProcess | undefined;
  const start = async () => {
    const args = [...(asUser ? ["-u", "postgres"] : []), config];
    const started = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    // Its log also goes to `logFile`; only the tail is kept here, for a failed start's message.
    started.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child = started;
    try {
      await waitForListener(port, started);
    } catch (error) {
      throw new Error(`pgbouncer did not start on 127.0.0.1:${port}: ${errorMessage(error)}\n${stderr}`, { cause: error });
    }
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGTERM");
    await exited;
  };
  await start();
  return {
    port,
    version,
    poolMode: POOLER_SETTINGS.pool_mode,
    pooledUrl(directUrl) {
      const url = new URL(directUrl);
      url.hostname = "127.0.0.1";
      url.port = String(port);
      // The hop from the client to pgbouncer is loopback; pgbouncer itself speaks TLS to the server when asked.
      url.searchParams.delete("sslmode");
      return url.toString();
    },
    async restart() {
      await stop();
      await start();
    },
    stop,
  };
}

function osUser(name: string): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync("id", [flag, name], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

async function waitForListener(port: number, process: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (process.exitCode !== null || process.signalCode !== null) throw new Error(`pgbouncer exited (${process.exitCode ?? process.signalCode})`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error("no listener after 10 s");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
