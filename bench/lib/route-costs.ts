// What one request of each route costs, measured alone: in a mixed run the Worker's and Postgres's
// CPU cannot be told apart by route. Each route is sent evenly paced for a few seconds, and the CPU
// window stays open until the Worker is idle again, so background work the request started (the
// audit batch, a queue consumer, a Durable Object recompute) is charged to it.
import type { Pool } from "@neondatabase/serverless";
import { splitFailures, type FailureSplit } from "./failures";
import { runPaced, type RequestTemplate } from "./load";
import { startCpuWindow } from "./process-cpu";
import { postgresSessions } from "./session-run";
import { stepRequest } from "./session-requests";
import type { AthleteSpec, RouteName, SessionJob, SessionStep } from "./session-types";
import { settled } from "./phases";
import { resetStatements, topStatements, type StatementCost } from "./statements";
import { summarize } from "./stats";
import type { RunningWorker } from "./workers";

export interface RouteCost {
  route: RouteName;
  rate: number;
  sent: number;
  ok: number;
  failures: FailureSplit;
  p50Ms: number;
  p99Ms: number;
  /** Until the Worker was idle again after the last answer. */
  workerCpuPerRequestMs: number;
  postgresCpuPerRequestMs: number;
  /** The same less what the server used on its own over the window (its idle rate measured before). */
  postgresNetCpuPerRequestMs: number;
  postgresConnectionsPerRequest: number | null;
  /** False when the Worker was still busy after 30 s (the figures then stop there). */
  idleAfter: boolean;
  /** The costliest statements of the window, when the run records them. */
  statements?: StatementCost[];
}

/** Requests of `route` over the athletes able to send it (webhooks: the vendor's athletes). */
async function templates(route: RouteName, athletes: AthleteSpec[], count: number, today: string, secrets: SessionJob["secrets"]): Promise<RequestTemplate[]> {
  const vendor = route === "POST /webhooks/oura" ? "oura" : route === "POST /webhooks/whoop" ? "whoop" : undefined;
  const senders = vendor ? athletes.filter((athlete) => athlete.vendor === vendor && athlete.objects.length > 0) : athletes;
  if (senders.length === 0) return [];
  const built: RequestTemplate[] = [];
  for (let i = 0; i < count; i++) {
    const athlete = senders[i % senders.length]!;
    const step: SessionStep = { atMs: 0, route, object: Math.floor(i / senders.length) % Math.max(1, athlete.objects.length), event: "sleep.updated" };
    built.push(await stepRequest(step, athlete, today, secrets));
  }
  return built;
}

export async function routeCost(
  worker: RunningWorker,
  pool: Pool,
  input: { route: RouteName; expect: number[]; athletes: AthleteSpec[]; today: string; secrets: SessionJob["secrets"]; rate: number; seconds: number; statements?: boolean; postgresIdleCores?: number },
): Promise<RouteCost | undefined> {
  const requests = await templates(input.route, input.athletes, input.rate * input.seconds, input.today, input.secrets);
  if (requests.length === 0) return undefined;
  await settled(worker);
  worker.logs.takeCounts();
  if (input.statements) await resetStatements(pool);
  const sessions0 = await postgresSessions(pool);
  const cpu = startCpuWindow(worker.pid);
  const outcome = await runPaced({ origin: worker.origin, requests, expect: input.expect, rate: input.rate, count: requests.length, maxSockets: 64, timeoutMs: 10_000 });
  const idleAfter = await settled(worker);
  const window = cpu();
  const sessions1 = await postgresSessions(pool);
  const answered = Math.max(1, outcome.sent - (outcome.statusCounts["no answer"] ?? 0));
  const latency = summarize(outcome.latenciesMs);
  return {
    route: input.route,
    rate: input.rate,
    sent: outcome.sent,
    ok: outcome.ok,
    failures: splitFailures(outcome.failures, worker.logs),
    p50Ms: latency.p50,
    p99Ms: latency.p99,
    workerCpuPerRequestMs: (window.cpuS * 1000) / answered,
    postgresCpuPerRequestMs: (window.postgresCpuS * 1000) / answered,
    postgresNetCpuPerRequestMs: (Math.max(0, window.postgresCpuS - (input.postgresIdleCores ?? 0) * window.wallS) * 1000) / answered,
    postgresConnectionsPerRequest: sessions0 === null || sessions1 === null ? null : (sessions1 - sessions0) / answered,
    idleAfter,
    statements: input.statements ? await topStatements(pool, answered) : undefined,
  };
}
