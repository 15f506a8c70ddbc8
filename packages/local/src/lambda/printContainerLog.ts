import type { ContainerLogLine } from "./ContainerPool.js";

const WARNING = /"level":"(WARN|ERROR|CRITICAL)"/;

/**
 * A terminal's view of the containers' logs: the runtime's own lines (cold starts, timeouts,
 * exits), whatever a function writes to stderr, and its warnings and errors; each marked with the
 * container. The functions log at their deployed level; `all` prints their every line as written.
 */
export function containerLogPrinter(level: "warnings" | "all"): (line: ContainerLogLine) => void {
  return ({ containerId, stream, line }) => {
    if (level === "all" && stream === "stdout") {
      process.stdout.write(`${line}\n`);
      return;
    }
    if (stream === "stdout" && !WARNING.test(line)) return;
    process.stderr.write(`[${containerId}] ${line}\n`);
  };
}
