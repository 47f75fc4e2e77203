// The load generator's own thread: it keeps request pacing and timing off the main thread, which
// also serves the simulators and the Postgres proxy that the Worker under test calls.
import { Agent, request } from "node:http";
import { parentPort, workerData } from "node:worker_threads";
import autocannon, { type RawResult } from "autocannon";
import {
  MAX_KEPT_FAILURES,
  type ClosedJob,
  type ClosedOutcome,
  type FailedRequest,
  type LoadJob,
  type PacedJob,
  type PacedOutcome,
} from "./load-types";

const BODY_SAMPLE = 400;

class Tally {
  ok = 0;
  statusCounts: Record<string, number> = {};
  failures: FailedRequest[] = [];
  failuresDropped = 0;
  constructor(private readonly expect: Set<number>) {}

  record(status: number | null, requestId: string | undefined, body: string | undefined, error?: string): boolean {
    const key = status === null ? "no answer" : String(status);
    this.statusCounts[key] = (this.statusCounts[key] ?? 0) + 1;
    if (status !== null && this.expect.has(status)) {
      this.ok++;
      return true;
    }
    if (this.failures.length < MAX_KEPT_FAILURES) {
      this.failures.push({ status, requestId, body: body?.slice(0, BODY_SAMPLE), error });
    } else {
      this.failuresDropped++;
    }
    return false;
  }
}

function runPaced(job: PacedJob): Promise<PacedOutcome> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.maxSockets, maxFreeSockets: job.maxSockets });
  const tally = new Tally(new Set(job.expect));
  const latencies = new Float64Array(job.count);
  let latencyCount = 0;
  let answered = 0;
  let next = 0;
  let maxSendLagMs = 0;
  const intervalMs = 1000 / job.rate;
  const start = performance.now() + 20;

  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      agent.destroy();
      for (let i = answered; i < next; i++) tally.record(null, undefined, undefined, "no answer before the deadline");
      resolve({
        kind: "paced",
        sent: next,
        ok: tally.ok,
        statusCounts: tally.statusCounts,
        failures: tally.failures,
        failuresDropped: tally.failuresDropped,
        wallS: (performance.now() - start) / 1000,
        latenciesMs: latencies.slice(0, latencyCount),
        maxSendLagMs,
      });
    };
    const deadline = setTimeout(finish, 20 + job.count * intervalMs + job.timeoutMs);
    const warmup = job.warmup ?? 0;
    const settle = (index: number, scheduledAt: number, status: number | null, requestId?: string, body?: string, error?: string) => {
      if (finished) return;
      if (tally.record(status, requestId, body, error) && index >= warmup) latencies[latencyCount++] = performance.now() - scheduledAt;
      if (++answered === job.count) finish();
    };
    const send = (index: number, scheduledAt: number) => {
      const template = job.requests[index % job.requests.length]!;
      const headers = { ...template.headers, ...(template.body === undefined ? {} : { "content-length": String(Buffer.byteLength(template.body)) }) };
      const req = request(`${job.origin}${template.path}`, { method: template.method, headers, agent, timeout: job.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const requestId = res.headers["x-request-id"];
          const ok = job.expect.includes(res.statusCode ?? 0);
          settle(index, scheduledAt, res.statusCode ?? null, typeof requestId === "string" ? requestId : undefined, ok ? undefined : Buffer.concat(chunks).toString("utf8"));
        });
        res.on("error", (error) => settle(index, scheduledAt, null, undefined, undefined, error.message));
      });
      req.on("timeout", () => req.destroy(new Error("client timeout")));
      req.on("error", (error) => settle(index, scheduledAt, null, undefined, undefined, error.message));
      req.end(template.body);
    };
    // Timers, not a busy loop: a spinning client would take a core from the Worker under test.
    const tick = () => {
      const now = performance.now();
      while (next < job.count && start + next * intervalMs <= now) {
        const scheduledAt = start + next * intervalMs;
        maxSendLagMs = Math.max(maxSendLagMs, now - scheduledAt);
        send(next++, scheduledAt);
      }
      if (next < job.count) setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now()));
    };
    setTimeout(tick, 20);
  });
}

async function runClosed(job: ClosedJob): Promise<ClosedOutcome> {
  const tally = new Tally(new Set(job.expect));
  let index = 0;
  const started = performance.now();
  const options = { url: job.origin, connections: job.connections, duration: job.durationS };
  let clientErrorExample: string | undefined;
  const instance = autocannon({
    ...options,
    timeout: job.timeoutS,
    requests: [
      {
        setupRequest: (base) => {
          const template = job.requests[index++ % job.requests.length]!;
          return { ...base, method: template.method, path: template.path, headers: template.headers, body: template.body ?? "" };
        },
        onResponse: (status, body, _context, headers) => {
          const requestId = headers["x-request-id"];
          tally.record(status, typeof requestId === "string" ? requestId : undefined, body);
        },
      },
    ],
  });
  instance.on("reqError", (error) => {
    clientErrorExample ??= error.message;
  });
  // Off the main thread autocannon returns its histograms encoded: aggregate them as its CLI does.
  const raw = await instance;
  const result = autocannon.aggregateResult([raw as RawResult], options);
  const answered = tally.ok + tally.failures.length + tally.failuresDropped;
  return {
    kind: "closed",
    sent: answered + result.errors,
    ok: tally.ok,
    statusCounts: tally.statusCounts,
    failures: tally.failures,
    failuresDropped: tally.failuresDropped,
    wallS: (performance.now() - started) / 1000,
    requestsPerS: answered / job.durationS,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    clientErrors: result.errors,
    clientErrorExample,
    timeouts: result.timeouts,
  };
}

const job = workerData as LoadJob;
const outcome = job.kind === "paced" ? await runPaced(job) : await runClosed(job);
parentPort!.postMessage(outcome, outcome.kind === "paced" ? [outcome.latenciesMs.buffer as ArrayBuffer] : []);
