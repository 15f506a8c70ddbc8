import { parseArgs } from "node:util";
import { errorMessage } from "@pipeline/core";
import { brokenInvariants } from "./report/brokenInvariants.js";
import { formatTable } from "./report/formatTable.js";
import { runBenchmark } from "./runBenchmark.js";
import { brokenFlowControlInvariants, formatFlowControlTable, runFlowControlBenchmark } from "./runFlowControlBenchmark.js";
import { DEFAULT_LATENCY_MILLIS, fullSettings, QUICK_LATENCY_MILLIS, quickSettings } from "./settings.js";

const USAGE = `usage: npm run bench -- [--quick] [--json] [--latency <ms>] [--only flow]

  --quick          a small smoke run (seconds) instead of the full one (minutes)
  --json           the report as JSON on stdout instead of a table
  --only flow      only the flow-control scenario (issue #17): a minute or two
  --latency <ms>   simulated processing latency of the comparison with the seed
                   (default ${DEFAULT_LATENCY_MILLIS}, or ${QUICK_LATENCY_MILLIS} with --quick)

DATABASE_URL measures that Postgres instead of an embedded one (rows of users bench-* are deleted after).`;

let args;
try {
  args = parseArgs({ options: { quick: { type: "boolean" }, json: { type: "boolean" }, latency: { type: "string" }, only: { type: "string" }, help: { type: "boolean", short: "h" } } }).values;
} catch (error) {
  console.error(`${errorMessage(error)}\n\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const latency = args.latency === undefined ? undefined : Number(args.latency);
if (latency !== undefined && (!Number.isInteger(latency) || latency < 1)) {
  console.error(`--latency must be a positive whole number of milliseconds, got ${args.latency}\n\n${USAGE}`);
  process.exit(2);
}

if (args.only !== undefined && args.only !== "flow") {
  console.error(`--only takes "flow", got ${args.only}\n\n${USAGE}`);
  process.exit(2);
}

const settings = args.quick ? quickSettings(latency) : fullSettings(latency);
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s`;
const options = { settings, databaseUrl: process.env.DATABASE_URL, log: (line: string) => console.error(`${elapsed()}  ${line}`) };
let broken: string[];
if (args.only === "flow") {
  const report = await runFlowControlBenchmark(options);
  console.log(args.json ? JSON.stringify(report, null, 2) : formatFlowControlTable(report));
  for (const warning of report.warnings) console.error(`warning: ${warning}`);
  broken = brokenFlowControlInvariants(report);
} else {
  const report = await runBenchmark(options);
  console.log(args.json ? JSON.stringify(report, null, 2) : formatTable(report));
  for (const warning of report.warnings) console.error(`warning: ${warning}`);
  broken = brokenInvariants(report);
}
for (const problem of broken) console.error(`invariant broken: ${problem}`);
// The embedded Postgres is stopped; what keeps the loop alive now (SDK sockets) holds nothing worth waiting for.
process.exit(broken.length > 0 ? 1 : 0);
