// A session thread of the load run: plays its share of the planned app sessions against one Worker,
// each request at its scheduled time whatever happened to earlier ones (open loop), over keep-alive
// connections (undici), and each session's live WebSocket held until the session ends.
import { parentPort, workerData } from "node:worker_threads";
import { Pool } from "undici";
import WebSocket from "ws";
import { MAX_KEPT_FAILURES } from "./load-types";
import { stepRequest } from "./session-requests";
import { ROUTES, type RouteName, type RouteOutcome, type SessionJob, type SessionPlan, type SessionStep, type StartMessage, type ThreadOutcome } from "./session-types";

const BODY_SAMPLE = 400;
const LATE_MS = 10;

const job = workerData as SessionJob;
// undici's own idle keep-alive (4 s), shorter than the server's: an idle connection must never be
// reused at the moment the server closes it ("other side closed" would be the client's error).
const pool = new Pool(job.origin, { connections: job.connections, headersTimeout: job.timeoutMs, bodyTimeout: job.timeoutMs });

class RouteTally {
  sent = 0;
  ok = 0;
  statusCounts: Record<string, number> = {};
  failures: RouteOutcome["failures"] = [];
  failuresDropped = 0;
  latencies: number[] = [];
  scheduled: number[] = [];
  lateSends = 0;
  maxSendLagMs = 0;
  constructor(readonly expect: number[]) {}

  outcome(): RouteOutcome {
    const { sent, ok, statusCounts, failures, failuresDropped, lateSends, maxSendLagMs } = this;
    return { sent, ok, statusCounts, failures, failuresDropped, lateSends, maxSendLagMs, latenciesMs: Float64Array.from(this.latencies), scheduledMs: Float64Array.from(this.scheduled) };
  }
}

const tallies = Object.fromEntries(ROUTES.map((route) => [route, new RouteTally(job.expect[route])])) as Record<RouteName, RouteTally>;
const live = { opened: 0, closedEarly: 0, messages: 0 };
const sockets = new Map<number, WebSocket>();
let runStart = 0;
let inFlight = 0;
let activeSessions = 0;
const window = { answered: 0, failed: 0, latencies: [] as number[] };

function sent(route: RouteName, scheduledAt: number): void {
  const tally = tallies[route];
  tally.sent++;
  inFlight++;
  const lag = performance.now() - scheduledAt;
  if (lag > LATE_MS) tally.lateSends++;
  tally.maxSendLagMs = Math.max(tally.maxSendLagMs, lag);
}

function settle(route: RouteName, scheduledAt: number, status: number | null, detail: { requestId?: string; body?: string; error?: string } = {}): void {
  inFlight--;
  const tally = tallies[route];
  const key = status === null ? "no answer" : String(status);
  tally.statusCounts[key] = (tally.statusCounts[key] ?? 0) + 1;
  window.answered++;
  if (status !== null && tally.expect.includes(status)) {
    const latency = performance.now() - scheduledAt;
    tally.ok++;
    tally.latencies.push(latency);
    tally.scheduled.push(scheduledAt - runStart);
    window.latencies.push(latency);
    return;
  }
  window.failed++;
  if (tally.failures.length < MAX_KEPT_FAILURES) tally.failures.push({ status, requestId: detail.requestId, body: detail.body?.slice(0, BODY_SAMPLE), error: detail.error });
  else tally.failuresDropped++;
}

async function sendHttp(session: SessionPlan, step: SessionStep, scheduledAt: number): Promise<void> {
  sent(step.route, scheduledAt);
  try {
    const request = await stepRequest(step, job.athletes[session.athlete]!, job.today, job.secrets);
    const response = await pool.request({ ...request, signal: AbortSignal.timeout(job.timeoutMs) });
    const body = await response.body.text();
    const requestId = response.headers["x-request-id"];
    settle(step.route, scheduledAt, response.statusCode, { requestId: typeof requestId === "string" ? requestId : undefined, body });
  } catch (error) {
    settle(step.route, scheduledAt, null, { error: (error as Error).message });
  }
}

function openLive(session: SessionPlan, scheduledAt: number): void {
  const route: RouteName = "WS /v1/me/readiness/live";
  sent(route, scheduledAt);
  const url = `${job.origin.replace(/^http/, "ws")}/v1/me/readiness/live`;
  const socket = new WebSocket(url, { headers: { authorization: `Bearer ${job.athletes[session.athlete]!.token}` }, handshakeTimeout: job.timeoutMs });
  let settled = false;
  const once = (status: number | null, detail?: { requestId?: string; body?: string; error?: string }) => {
    if (settled) return;
    settled = true;
    settle(route, scheduledAt, status, detail);
  };
  sockets.set(session.index, socket);
  let opened = false;
  socket.on("open", () => {
    opened = true;
    live.opened++;
    once(101);
  });
  socket.on("unexpected-response", (_request, response) => {
    const chunks: Buffer[] = [];
    response.on("data", (chunk: Buffer) => chunks.push(chunk));
    response.on("end", () => {
      const requestId = response.headers["x-request-id"];
      once(response.statusCode ?? null, { requestId: typeof requestId === "string" ? requestId : undefined, body: Buffer.concat(chunks).toString("utf8") });
    });
    socket.terminate();
  });
  socket.on("message", () => live.messages++);
  socket.on("error", (error) => once(null, { error: error.message }));
  socket.on("close", () => {
    if (sockets.get(session.index) === socket && opened && performance.now() < runStart + session.endMs) live.closedEarly++;
    sockets.delete(session.index);
  });
}

function endSession(session: SessionPlan): void {
  activeSessions--;
  const socket = sockets.get(session.index);
  sockets.delete(session.index);
  if (socket?.readyState === WebSocket.OPEN) socket.close(1000, "session over");
  else socket?.terminate();
}

interface Due {
  atMs: number;
  session: SessionPlan;
  step: SessionStep | "start" | "end";
}

function timeline(): Due[] {
  const due: Due[] = [];
  for (const session of job.sessions) {
    due.push({ atMs: session.startMs, session, step: "start" });
    for (const step of session.steps) due.push({ atMs: session.startMs + step.atMs, session, step });
    due.push({ atMs: session.endMs, session, step: "end" });
  }
  return due.sort((a, b) => a.atMs - b.atMs);
}

function fire(item: Due): void {
  const scheduledAt = runStart + item.atMs;
  if (item.step === "start") activeSessions++;
  else if (item.step === "end") endSession(item.session);
  else if (item.step.route === "WS /v1/me/readiness/live") openLive(item.session, scheduledAt);
  else void sendHttp(item.session, item.step, scheduledAt);
}

function run(startEpochMs: number): Promise<ThreadOutcome> {
  runStart = startEpochMs - performance.timeOrigin;
  const due = timeline();
  let next = 0;
  const progress = setInterval(() => {
    parentPort!.postMessage({
      kind: "progress",
      atMs: performance.now() - runStart,
      activeSessions,
      openSockets: sockets.size,
      inFlight,
      answered: window.answered,
      failed: window.failed,
      latenciesMs: Float64Array.from(window.latencies),
    });
    window.answered = 0;
    window.failed = 0;
    window.latencies = [];
  }, job.progressEveryMs);
  return new Promise((resolve) => {
    const finish = () => {
      clearInterval(progress);
      for (const socket of sockets.values()) socket.terminate();
      void pool.destroy();
      const routes = Object.fromEntries(ROUTES.map((route) => [route, tallies[route].outcome()])) as ThreadOutcome["routes"];
      resolve({ kind: "done", routes, live, wallS: (performance.now() - runStart) / 1000 });
    };
    // Everything sent, then at most one client timeout for the last answers.
    const drain = () => {
      const deadline = performance.now() + job.timeoutMs + 1_000;
      const poll = () => (inFlight === 0 || performance.now() > deadline ? finish() : setTimeout(poll, 50));
      poll();
    };
    // Timers, not a busy loop: a spinning client would take a core from the Worker under test.
    const tick = () => {
      const now = performance.now();
      while (next < due.length && runStart + due[next]!.atMs <= now) fire(due[next++]!);
      if (next < due.length) setTimeout(tick, Math.max(0, runStart + due[next]!.atMs - performance.now()));
      else drain();
    };
    setTimeout(tick, Math.max(0, runStart - performance.now()));
  });
}

parentPort!.once("message", (message: StartMessage) => {
  void run(message.startEpochMs).then((outcome) => {
    const buffers = Object.values(outcome.routes).flatMap((route) => [route.latenciesMs.buffer as ArrayBuffer, route.scheduledMs.buffer as ArrayBuffer]);
    parentPort!.postMessage(outcome, buffers);
  });
});
parentPort!.postMessage({ kind: "ready" });
