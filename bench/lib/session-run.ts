// Runs a planned set of app sessions against one Worker on session threads, watches the run (a line
// every few seconds: athletes in session, answers, p95, CPU, Postgres connections), and gathers the
// figures per route: latency over the hold stage and the whole run, errors split into the app's,
// the emulator's and unanswered, CPU and Postgres cost per request, connections opened.
import { Worker } from "node:worker_threads";
import type { Pool } from "@neondatabase/serverless";
import { splitFailures, type FailureSplit } from "./failures";
import { cpuSeconds, startCpuWindow, waitUntilQuiet } from "./process-cpu";
import { fmt, summarize, type LatencySummary } from "./stats";
import { ROUTES, type AthleteSpec, type LiveSocketOutcome, type RouteName, type SessionJob, type SessionPlan, type ThreadMessage, type ThreadOutcome, type ThreadProgress } from "./session-types";
import type { RunningWorker } from "./workers";

const THREAD_ENTRY = new URL("./load-thread.mjs", import.meta.url);
const PROGRESS_EVERY_MS = 5_000;
const TIMEOUT_MS = 10_000;
const START_DELAY_MS = 500;

export interface RouteResult {
  sent: number;
  ok: number;
  failures: FailureSplit;
  /** Failures beyond the ones kept for classification. */
  unclassified: number;
  statusCounts: Record<string, number>;
  /** Successful answers scheduled in the hold stage, and over the whole run. */
  hold: LatencySummary;
  all: LatencySummary;
  /** Requests per second scheduled in the hold stage. */
  holdRate: number;
  lateSends: number;
  maxSendLagMs: number;
}

export interface TimelineRow {
  atS: number;
  athletes: number;
  openSockets: number;
  inFlight: number;
  answeredPerS: number;
  failed: number;
  p95Ms: number;
  workerCores: number;
  postgresCores: number;
  postgresConnections: number | null;
  /** This Node process: the session threads, the database link and Neon stand-in, the simulators. */
  nodeCores: number;
  otherCores: number;
}

export interface ProfileRun {
  worker: string;
  routes: Record<RouteName, RouteResult>;
  live: LiveSocketOutcome;
  timeline: TimelineRow[];
  /** Answered requests (WebSocket upgrades included). */
  answered: number;
  /** While the sessions ran. */
  workerCpuS: number;
  postgresCpuS: number;
  wallS: number;
  otherBusyCores: number;
  /** Postgres sessions (connections) opened while the sessions ran, from pg_stat_database. */
  postgresConnectionsOpened: number | null;
  /** Connections (and stand-in HTTP requests) through the database link meanwhile (scripts/lib/faults.ts). */
  linkOpened: number;
  /** After the last answer: until the Worker went idle (queues drained), or why it did not. */
  drain: { seconds: number; workerCpuS: number; postgresCpuS: number; postgresConnectionsOpened: number | null } | { failed: string };
}

export interface ProfileInput {
  plan: SessionPlan[];
  athletes: AthleteSpec[];
  threads: number;
  today: string;
  secrets: SessionJob["secrets"];
  expect: SessionJob["expect"];
  /** [fromS, toS) of the run: the stage whose figures are judged. */
  hold: [number, number];
  pool: Pool;
  drainTimeoutMs: number;
  /** The database link's count of opened connections so far. */
  linkOpened: () => number;
}

/** Postgres sessions started so far in this database (counted by the server itself). */
export async function postgresSessions(pool: Pool): Promise<number | null> {
  return withTimeout(pool.query<{ sessions: string }>("SELECT sessions FROM pg_stat_database WHERE datname = current_database()"), 3_000)
    .then((result) => Number(result.rows[0]?.sessions))
    .catch(() => null);
}

async function openConnections(pool: Pool): Promise<number | null> {
  return withTimeout(pool.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE backend_type = 'client backend'"), 2_000)
    .then((result) => Number(result.rows[0]?.n))
    .catch(() => null);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("timed out")), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function startThread(job: SessionJob): { worker: Worker; ready: Promise<void>; done: Promise<ThreadOutcome>; onProgress(fn: (p: ThreadProgress) => void): void } {
  const worker = new Worker(THREAD_ENTRY, { workerData: job, argv: ["./session-thread.ts"] });
  let progress: (p: ThreadProgress) => void = () => undefined;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const done = new Promise<ThreadOutcome>((resolve, reject) => {
    worker.on("message", (message: ThreadMessage) => {
      if (message.kind === "ready") markReady();
      else if (message.kind === "progress") progress(message);
      else resolve(message);
    });
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`session thread exited with ${code}`)));
  });
  return { worker, ready, done, onProgress: (fn) => (progress = fn) };
}

/** Merges the threads' progress into one line per interval. */
class Watch {
  readonly rows: TimelineRow[] = [];
  #pending: ThreadProgress[] = [];
  #cpu: () => ReturnType<ReturnType<typeof startCpuWindow>>;
  #nodeCpuS = cpuSeconds(process.pid);
  constructor(private readonly worker: RunningWorker, private readonly pool: Pool, private readonly threads: number) {
    this.#cpu = startCpuWindow(worker.pid);
  }

  add(progress: ThreadProgress): void {
    this.#pending.push(progress);
    if (this.#pending.length === this.threads) void this.#flush();
  }

  async #flush(): Promise<void> {
    const parts = this.#pending;
    this.#pending = [];
    const cpu = this.#cpu();
    this.#cpu = startCpuWindow(this.worker.pid);
    const nodeCpuS = cpuSeconds(process.pid);
    const nodeCores = (nodeCpuS - this.#nodeCpuS) / cpu.wallS;
    this.#nodeCpuS = nodeCpuS;
    const latencies = Float64Array.from(parts.flatMap((p) => [...p.latenciesMs]));
    const sum = (key: "activeSessions" | "openSockets" | "inFlight" | "answered" | "failed") => parts.reduce((n, p) => n + p[key], 0);
    const row: TimelineRow = {
      atS: Math.round(Math.max(...parts.map((p) => p.atMs)) / 1000),
      athletes: sum("activeSessions"),
      openSockets: sum("openSockets"),
      inFlight: sum("inFlight"),
      answeredPerS: sum("answered") / cpu.wallS,
      failed: sum("failed"),
      p95Ms: summarize(latencies).p95,
      workerCores: cpu.cpuS / cpu.wallS,
      postgresCores: cpu.postgresCpuS / cpu.wallS,
      postgresConnections: await openConnections(this.pool),
      nodeCores,
      otherCores: cpu.otherBusyCores,
    };
    this.rows.push(row);
    console.log(
      `  ${this.worker.name} t=${row.atS}s athletes=${row.athletes} sockets=${row.openSockets} in-flight=${row.inFlight} ` +
        `answers/s=${fmt(row.answeredPerS)} failed=${row.failed} p95=${fmt(row.p95Ms)}ms workerd=${fmt(row.workerCores)} ` +
        `postgres=${fmt(row.postgresCores)} node=${fmt(row.nodeCores)} cores, pg connections=${row.postgresConnections ?? "?"}, other load=${fmt(row.otherCores)}`,
    );
  }
}

function mergeRoute(outcomes: ThreadOutcome[], route: RouteName, worker: RunningWorker, hold: [number, number]): RouteResult {
  const parts = outcomes.map((outcome) => outcome.routes[route]);
  const latencies = parts.flatMap((p) => [...p.latenciesMs]);
  const scheduled = parts.flatMap((p) => [...p.scheduledMs]);
  const inHold = latencies.filter((_, i) => scheduled[i]! >= hold[0] * 1000 && scheduled[i]! < hold[1] * 1000);
  const failures = parts.flatMap((p) => p.failures);
  const statusCounts: Record<string, number> = {};
  for (const part of parts) for (const [status, n] of Object.entries(part.statusCounts)) statusCounts[status] = (statusCounts[status] ?? 0) + n;
  const sum = (key: "sent" | "ok" | "failuresDropped" | "lateSends") => parts.reduce((n, p) => n + p[key], 0);
  return {
    sent: sum("sent"),
    ok: sum("ok"),
    failures: splitFailures(failures, worker.logs),
    unclassified: sum("failuresDropped"),
    statusCounts,
    hold: summarize(inHold),
    all: summarize(latencies),
    holdRate: 0,
    lateSends: sum("lateSends"),
    maxSendLagMs: Math.max(0, ...parts.map((p) => p.maxSendLagMs)),
  };
}

/** Requests of each route scheduled in the hold stage, per second. */
function holdRates(plan: SessionPlan[], hold: [number, number]): Record<RouteName, number> {
  const counts = Object.fromEntries(ROUTES.map((route) => [route, 0])) as Record<RouteName, number>;
  for (const session of plan) {
    for (const step of session.steps) {
      const atS = (session.startMs + step.atMs) / 1000;
      if (atS >= hold[0] && atS < hold[1]) counts[step.route]++;
    }
  }
  const seconds = Math.max(1, hold[1] - hold[0]);
  return Object.fromEntries(ROUTES.map((route) => [route, counts[route] / seconds])) as Record<RouteName, number>;
}

export async function runProfile(worker: RunningWorker, input: ProfileInput): Promise<ProfileRun> {
  worker.logs.takeCounts();
  const threads = Array.from({ length: input.threads }, (_, t) =>
    startThread({
      origin: worker.origin,
      athletes: input.athletes,
      sessions: input.plan.filter((session) => session.index % input.threads === t),
      today: input.today,
      secrets: input.secrets,
      expect: input.expect,
      timeoutMs: TIMEOUT_MS,
      connections: 256,
      progressEveryMs: PROGRESS_EVERY_MS,
    }),
  );
  try {
    await Promise.all(threads.map((thread) => thread.ready));
    const watch = new Watch(worker, input.pool, input.threads);
    for (const thread of threads) thread.onProgress((progress) => watch.add(progress));
    const sessions0 = await postgresSessions(input.pool);
    const link0 = input.linkOpened();
    const cpu = startCpuWindow(worker.pid);
    const startEpochMs = Date.now() + START_DELAY_MS;
    for (const thread of threads) thread.worker.postMessage({ kind: "start", startEpochMs });
    const outcomes = await Promise.all(threads.map((thread) => thread.done));
    const window = cpu();
    const linkOpened = input.linkOpened() - link0;
    const sessions1 = await postgresSessions(input.pool);
    const drain = await drainAfter(worker, input);
    // The Worker's log lines of the last failures reach us a moment after the answers.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rates = holdRates(input.plan, input.hold);
    const routes = Object.fromEntries(
      ROUTES.map((route) => [route, { ...mergeRoute(outcomes, route, worker, input.hold), holdRate: rates[route] }]),
    ) as Record<RouteName, RouteResult>;
    const live = outcomes.reduce((sum, o) => ({ opened: sum.opened + o.live.opened, closedEarly: sum.closedEarly + o.live.closedEarly, messages: sum.messages + o.live.messages }), { opened: 0, closedEarly: 0, messages: 0 });
    const answered = Object.values(routes).reduce((n, r) => n + Object.entries(r.statusCounts).reduce((m, [status, c]) => (status === "no answer" ? m : m + c), 0), 0);
    return {
      worker: worker.name,
      routes,
      live,
      timeline: watch.rows,
      answered,
      workerCpuS: window.cpuS,
      postgresCpuS: window.postgresCpuS,
      wallS: window.wallS,
      otherBusyCores: window.otherBusyCores,
      postgresConnectionsOpened: sessions0 === null || sessions1 === null ? null : sessions1 - sessions0,
      linkOpened,
      drain,
    };
  } finally {
    await Promise.all(threads.map((thread) => thread.worker.terminate()));
  }
}

async function drainAfter(worker: RunningWorker, input: ProfileInput): Promise<ProfileRun["drain"]> {
  const sessions0 = await postgresSessions(input.pool);
  const cpu = startCpuWindow(worker.pid);
  try {
    const seconds = await waitUntilQuiet(worker.pid, { timeoutMs: input.drainTimeoutMs, quietMs: 2_000 });
    const window = cpu();
    const sessions1 = await postgresSessions(input.pool);
    return {
      seconds,
      workerCpuS: window.cpuS,
      postgresCpuS: window.postgresCpuS,
      postgresConnectionsOpened: sessions0 === null || sessions1 === null ? null : sessions1 - sessions0,
    };
  } catch (error) {
    return { failed: (error as Error).message };
  }
}
