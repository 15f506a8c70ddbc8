import { readdirSync, readFileSync } from "node:fs";

/** Linux reports /proc times in USER_HZ ticks, 100 a second on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

/** CPU time of this Node process (user + system), in milliseconds. */
export function nodeCpuMillis(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * CPU time of a Postgres server (postmaster and its children: backends, WAL writer, checkpointer,
 * autovacuum), in milliseconds, from /proc. Backends that have exited are in the postmaster's
 * cutime/cstime; one that exits between two readings moves from the live sum to those, so the
 * difference of two readings stays right.
 */
export function postgresCpuMillis(postmasterPid: number): number {
  const postmaster = readStat(postmasterPid);
  if (!postmaster) throw new Error(`no process ${postmasterPid}: the Postgres server is gone`);
  let ticks = postmaster.utime + postmaster.stime + postmaster.cutime + postmaster.cstime;
  for (const [, stat] of processes()) if (stat.ppid === postmasterPid) ticks += stat.utime + stat.stime;
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** CPU time of each given process (user + system), in milliseconds; a process that is gone is left out. */
export function processCpuMillis(pids: Iterable<number>): Map<number, number> {
  const times = new Map<number, number>();
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat) times.set(pid, ((stat.utime + stat.stime) * 1000) / TICKS_PER_SECOND);
  }
  return times;
}

/** The processes this process started whose command is `command` (e.g. `pgbouncer`). */
export function childProcessesNamed(command: string): number[] {
  return [...processes()].filter(([, stat]) => stat.ppid === process.pid && stat.command === command).map(([pid]) => pid);
}

/** CPU time this machine spent busy (all processes, all cores) since boot, in milliseconds. */
export function machineBusyMillis(): number {
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = (readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "")
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1000) / TICKS_PER_SECOND;
}

interface ProcStat {
  command: string;
  ppid: number;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
}

/** Every process of the machine, with its /proc stat. */
function* processes(): Generator<[number, ProcStat]> {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) yield [Number(entry), stat];
  }
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    // The process ended between listing /proc and reading it.
    return undefined;
  }
  // The command name may contain spaces and parentheses: the fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const field = (n: number) => Number(fields[n - 3]);
  return { command: text.slice(text.indexOf("(") + 1, text.lastIndexOf(")")), ppid: field(4), utime: field(14), stime: field(15), cutime: field(16), cstime: field(17) };
}
