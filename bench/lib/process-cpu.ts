// CPU time of a workerd process, read from /proc/<pid>/stat (utime + stime, all threads). workerd
// reports cpuTime = 0 to tail Workers when run locally, so the process's own accounting is the
// measure: each Miniflare instance runs one workerd, so hub and bare are measured the same way.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

const CLOCK_TICKS_PER_S = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime: the process's own CPU. */
  cpuTicks: number;
  /** cutime + cstime: CPU of its children that have ended (e.g. Postgres backends of closed connections). */
  endedChildrenTicks: number;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined; // the process ended between listing and reading
  }
  // comm may contain spaces and parentheses: split after the last ")".
  const close = text.lastIndexOf(")");
  const fields = text.slice(close + 2).split(" ");
  return {
    pid,
    comm: text.slice(text.indexOf("(") + 1, close),
    ppid: Number(fields[1]),
    cpuTicks: Number(fields[11]) + Number(fields[12]),
    endedChildrenTicks: Number(fields[13]) + Number(fields[14]),
  };
}

function allProcesses(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) stats.push(stat);
  }
  return stats;
}

/** The workerd processes this Node process has started. */
export function workerdChildren(): Set<number> {
  return new Set(allProcesses().filter((stat) => stat.ppid === process.pid && stat.comm === "workerd").map((stat) => stat.pid));
}

/** CPU seconds of the process trees rooted at `roots`, including children that have already ended. */
function treeCpuSeconds(roots: readonly number[]): number {
  const stats = allProcesses();
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) {
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(stat);
    else children.set(stat.ppid, [stat]);
  }
  let ticks = 0;
  const seen = new Set<number>();
  const visit = (stat: ProcStat) => {
    if (seen.has(stat.pid)) return;
    seen.add(stat.pid);
    ticks += stat.cpuTicks + stat.endedChildrenTicks;
    for (const child of children.get(stat.pid) ?? []) visit(child);
  };
  for (const root of roots) {
    const stat = stats.find((candidate) => candidate.pid === root);
    if (stat) visit(stat);
  }
  return ticks / CLOCK_TICKS_PER_S;
}

let postgresRoot: number | undefined;

/** The Postgres server of the run: its processes count as the benchmark's, and are measured apart. */
export function setPostgresProcess(postmasterPid: number): void {
  postgresRoot = postmasterPid;
}

function benchmarkRoots(): number[] {
  return postgresRoot === undefined ? [process.pid] : [process.pid, postgresRoot];
}

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readStat(pid);
  if (!stat) throw new Error(`process ${pid} is gone`);
  return stat.cpuTicks / CLOCK_TICKS_PER_S;
}

/** Busy and total jiffies of the whole machine (all cores), from the first line of /proc/stat. */
function machineJiffies(): { busy: number; total: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1, 9).map(Number); // guest time is already in user
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

export interface CpuWindow {
  /** CPU seconds the measured process used. */
  cpuS: number;
  wallS: number;
  /** Cores busy on the whole machine on average (every process: ours, Postgres, anything else). */
  machineBusyCores: number;
  /** Of those, cores used by processes outside the benchmark (other work sharing the machine). */
  otherBusyCores: number;
  /** CPU seconds of the Postgres server (every backend, ended ones included). */
  postgresCpuS: number;
}

export function startCpuWindow(pid: number): () => CpuWindow {
  const cpu0 = cpuSeconds(pid);
  const machine0 = machineJiffies();
  const own0 = treeCpuSeconds(benchmarkRoots());
  const postgres0 = postgresRoot === undefined ? 0 : treeCpuSeconds([postgresRoot]);
  const cores = availableParallelism();
  const t0 = performance.now();
  return () => {
    const machine = machineJiffies();
    const wallS = (performance.now() - t0) / 1000;
    const total = machine.total - machine0.total;
    const machineBusyCores = total > 0 ? ((machine.busy - machine0.busy) / total) * cores : 0;
    const ownCores = (treeCpuSeconds(benchmarkRoots()) - own0) / wallS;
    return {
      cpuS: cpuSeconds(pid) - cpu0,
      wallS,
      machineBusyCores,
      otherBusyCores: Math.max(0, machineBusyCores - ownCores),
      postgresCpuS: postgresRoot === undefined ? 0 : treeCpuSeconds([postgresRoot]) - postgres0,
    };
  };
}

/**
 * Waits until the process has used less than `idleFraction` of one core for `quietMs` in a row
 * (background work such as queue consumers has finished). Resolves with the time it took, or
 * rejects after `timeoutMs`.
 */
export async function waitUntilQuiet(pid: number, opts: { idleFraction?: number; quietMs?: number; timeoutMs: number }): Promise<number> {
  const idleFraction = opts.idleFraction ?? 0.05;
  const quietMs = opts.quietMs ?? 1_500;
  const stepMs = 250;
  const t0 = performance.now();
  let quietSince = performance.now();
  let last = cpuSeconds(pid);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, stepMs));
    const now = cpuSeconds(pid);
    const busy = (now - last) / (stepMs / 1000) > idleFraction;
    last = now;
    if (busy) quietSince = performance.now();
    else if (performance.now() - quietSince >= quietMs) return (quietSince - t0) / 1000;
    if (performance.now() - t0 > opts.timeoutMs) throw new Error(`workerd ${pid} still busy after ${opts.timeoutMs} ms`);
  }
}

/** Average cores busy on the whole machine over the next `ms`. */
export async function machineBusyCores(ms: number): Promise<number> {
  const before = machineJiffies();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = machineJiffies();
  const total = after.total - before.total;
  return total > 0 ? ((after.busy - before.busy) / total) * availableParallelism() : 0;
}

/** Cores the Postgres server uses on its own over the next `ms` (checkpointer, WAL writer, autovacuum). */
export async function postgresIdleCores(ms: number): Promise<number> {
  if (postgresRoot === undefined) return 0;
  const before = treeCpuSeconds([postgresRoot]);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return (treeCpuSeconds([postgresRoot]) - before) / (ms / 1000);
}
