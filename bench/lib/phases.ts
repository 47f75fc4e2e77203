// One measured phase = one load job against one Worker, with that Worker's CPU over the same window
// and its failures split into the app's and the emulator's.
import { splitFailures, type FailureSplit } from "./failures";
import { runClosed, runPaced, type RequestTemplate } from "./load";
import { startCpuWindow, waitUntilQuiet } from "./process-cpu";
import { summarize } from "./stats";
import type { RunningWorker } from "./workers";

export interface PhaseBase {
  worker: string;
  route: string;
  sent: number;
  ok: number;
  failures: FailureSplit;
  /** Failures not kept for classification (beyond the load generator's cap). */
  unclassified: number;
  statusCounts: Record<string, number>;
  /** workerd CPU over the phase divided by requests answered. */
  cpuPerRequestMs: number;
  machineBusyCores: number;
  /** Cores used meanwhile by processes outside the benchmark (noise from sharing the machine). */
  otherBusyCores: number;
  /** Postgres server CPU over the phase divided by requests answered. */
  postgresCpuPerRequestMs: number;
  wallS: number;
}

export interface PacedRow extends PhaseBase {
  kind: "paced";
  rate: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  maxSendLagMs: number;
}

export interface ClosedRow extends PhaseBase {
  kind: "closed";
  connections: number;
  durationS: number;
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Waits (up to 30 s) until the Worker has finished work left over from an earlier phase, so that a
 * phase is charged only its own CPU. Resolves false when it was still busy.
 */
export async function settled(worker: RunningWorker): Promise<boolean> {
  try {
    await waitUntilQuiet(worker.pid, { timeoutMs: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/** The Worker's log lines reach us through workerd's stdout a moment after the answers. */
async function logsSettled(failures: number): Promise<void> {
  if (failures > 0) await new Promise((resolve) => setTimeout(resolve, 500));
}

/** Requests that got an HTTP answer (the ones the Worker did work for). */
function answered(outcome: { statusCounts: Record<string, number> }): number {
  return Object.entries(outcome.statusCounts).reduce((sum, [status, n]) => (status === "no answer" ? sum : sum + n), 0);
}

interface PhaseInput {
  route: string;
  requests: RequestTemplate[];
  expect: number[];
}

/**
 * An evenly paced run of `count` requests. With `warmupS`, that many seconds of requests at the same
 * rate go first and count everywhere but in the latencies (the client opens its sockets meanwhile).
 */
export async function pacedPhase(worker: RunningWorker, input: PhaseInput & { rate: number; count: number; warmupS?: number }): Promise<PacedRow> {
  const warmup = Math.round(input.rate * (input.warmupS ?? 0));
  worker.logs.takeCounts();
  const cpu = startCpuWindow(worker.pid);
  const outcome = await runPaced({
    origin: worker.origin,
    requests: input.requests,
    expect: input.expect,
    rate: input.rate,
    count: warmup + input.count,
    warmup,
    maxSockets: 512,
    timeoutMs: 10_000,
  });
  const window = cpu();
  await logsSettled(outcome.failures.length);
  const latency = summarize(outcome.latenciesMs);
  return {
    kind: "paced",
    worker: worker.name,
    route: input.route,
    rate: input.rate,
    sent: outcome.sent,
    ok: outcome.ok,
    failures: splitFailures(outcome.failures, worker.logs),
    unclassified: outcome.failuresDropped,
    statusCounts: outcome.statusCounts,
    cpuPerRequestMs: (window.cpuS * 1000) / Math.max(1, answered(outcome)),
    machineBusyCores: window.machineBusyCores,
    otherBusyCores: window.otherBusyCores,
    postgresCpuPerRequestMs: (window.postgresCpuS * 1000) / Math.max(1, answered(outcome)),
    wallS: window.wallS,
    p50Ms: latency.p50,
    p99Ms: latency.p99,
    maxMs: latency.max,
    maxSendLagMs: outcome.maxSendLagMs,
  };
}

export async function closedPhase(worker: RunningWorker, input: PhaseInput & { connections: number; durationS: number }): Promise<ClosedRow> {
  worker.logs.takeCounts();
  const cpu = startCpuWindow(worker.pid);
  const outcome = await runClosed({
    origin: worker.origin,
    requests: input.requests,
    expect: input.expect,
    connections: input.connections,
    durationS: input.durationS,
    timeoutS: 10,
  });
  const window = cpu();
  await logsSettled(outcome.failures.length);
  const failures = splitFailures(outcome.failures, worker.logs);
  // Connection errors and timeouts never produced a response to keep: count them here.
  failures.noAnswer += outcome.clientErrors;
  failures.examples.noAnswer ??= outcome.clientErrorExample;
  return {
    kind: "closed",
    worker: worker.name,
    route: input.route,
    connections: input.connections,
    durationS: input.durationS,
    sent: outcome.sent,
    ok: outcome.ok,
    failures,
    unclassified: outcome.failuresDropped,
    statusCounts: outcome.statusCounts,
    cpuPerRequestMs: (window.cpuS * 1000) / Math.max(1, answered(outcome)),
    machineBusyCores: window.machineBusyCores,
    otherBusyCores: window.otherBusyCores,
    postgresCpuPerRequestMs: (window.postgresCpuS * 1000) / Math.max(1, answered(outcome)),
    wallS: window.wallS,
    requestsPerS: outcome.requestsPerS,
    p50Ms: outcome.latencyP50Ms,
    p99Ms: outcome.latencyP99Ms,
  };
}
