import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { errorMessage } from "@pipeline/core";
import { containerLogPrinter } from "./lambda/printContainerLog.js";
import { PortInUseError } from "./stack/ports.js";
import { removeLocalData } from "./stack/removeLocalData.js";
import { stageSecretsFromEnvironment } from "./stack/stageSecretsFromEnvironment.js";
import { startLocalStack } from "./stack/startLocalStack.js";
import { serveDashboard } from "./web/serveDashboard.js";

const port = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`${name} must be a port number, got ${process.env[name]}`);
    process.exit(2);
  }
  return value;
};

const USAGE = "usage: npm start [-- --fresh] [-- --verbose]   (--fresh: remove the local data first and start from empty; --verbose: every line the functions log, not only warnings)";
let fresh = false;
let verbose = false;
try {
  ({ fresh, verbose } = parseArgs({ options: { fresh: { type: "boolean", default: false }, verbose: { type: "boolean", default: false } } }).values);
} catch (error) {
  console.error(`${errorMessage(error)}\n${USAGE}`);
  process.exit(2);
}

const dir = resolve(process.env.LOCAL_DIR ?? ".local");
if (fresh) {
  const removed = await removeLocalData(dir);
  console.log(`--fresh: removed ${removed.length ? removed.join(", ") : "nothing (no local data yet)"} in ${dir}`);
  if (process.env.DATABASE_URL) console.log("--fresh: the database at DATABASE_URL is yours and was left as it is");
}
const dashboardDir = fileURLToPath(new URL("../../web/dist", import.meta.url));
const started = Date.now();
// Known once the gateway listens; the dashboard's /config.json answers 503 until then.
let wsUrl: string | undefined;
try {
  const stack = await startLocalStack({
    dir,
    ports: {
      http: port("PORT", 4000),
      gateway: port("WS_PORT", 4001),
      management: port("WS_MANAGEMENT_PORT", 4002),
      sqs: port("SQS_PORT", 4566),
      postgres: port("PG_PORT", 54329),
      pgProxy: port("PG_PROXY_PORT", 54330),
      pooler: port("PG_POOLER_PORT", 54331),
    },
    databaseUrl: process.env.DATABASE_URL,
    authSecret: process.env.AUTH_SECRET,
    secrets: stageSecretsFromEnvironment(process.env),
    staticHandler: serveDashboard({ distDir: dashboardDir, wsUrl: () => wsUrl }),
    log: (message) => console.log(message),
    containerLog: containerLogPrinter(verbose ? "all" : "warnings"),
  });
  const { endpoints } = stack;
  wsUrl = endpoints.wsUrl;
  console.log(`
media batch pipeline is running on node ${process.version} (started in ${((Date.now() - started) / 1000).toFixed(1)} s)

  upload service  ${endpoints.httpUrl}/api   (dashboard at ${endpoints.httpUrl}/)
  websocket       ${endpoints.wsUrl}?token=<jwt>   (management API at ${endpoints.managementEndpoint}, SigV4-signed)
  sqs + s3        ${endpoints.sqsEndpoint}   bucket ${endpoints.bucket} (SigV4-signed with the stack file's credentials)
  postgres        ${endpoints.databaseUrl.replace(/:[^:@/]+@/, ":***@")}
  stack file      ${resolve(dir, "stack.json")}
  data            ${dir} (Postgres, queued messages, uploaded files): kept across restarts;
                  start from empty with  npm start -- --fresh

try it:  npm run demo -- --uploads 200
stop:    Ctrl-C
`);

  let stoppingSince = 0;
  const shutdown = async (signal: string) => {
    // Ctrl-C reaches this process twice (from the terminal and relayed by tsx): only a second
    // press, a moment later, forces the exit.
    if (stoppingSince > 0) {
      if (Date.now() - stoppingSince < 1000) return;
      console.log("forced exit");
      process.exit(130);
    }
    stoppingSince = Date.now();
    console.log(`${signal}: stopping…`);
    const forced = setTimeout(() => {
      console.error("could not stop within 5 s; exiting");
      process.exit(1);
    }, 5000);
    await stack.stop(2000);
    clearTimeout(forced);
    console.log("stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
} catch (error) {
  if (error instanceof PortInUseError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
