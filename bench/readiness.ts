// Issue 4: GET /v1/me/readiness served from the per-user Durable Object cache. Closed-loop
// throughput at 200 connections against the bare Worker's, latency at an evenly paced 500 requests/s,
// and the recompute cost for users with two years of history (the pure model in-process, and the
// whole insights-queue → Durable Object path in the hub).
//
//   npm run bench:readiness [-- --seconds 10 --users 50 --wait-quiet 60 --postgres-auth password|scram]
import { parseArgs } from "node:util";
import { addDays } from "../scripts/sim/generate";
import { describeEnvironment } from "./lib/environment";
import { postgresAuth, startHarness, waitForQuietMachine, BENCH_RATE_LIMIT, type Harness } from "./lib/harness";
import type { RequestTemplate } from "./lib/load";
import { closedPhase, pacedPhase, settled, type ClosedRow, type PacedRow } from "./lib/phases";
import { modelInput, seedHistoryUser, HISTORY_DAYS, type HistoryUser } from "./lib/readiness-users";
import { timeEndToEnd, timeModel, type EndToEndRecompute, type RecomputeCase } from "./lib/recompute";
import { closedTable, failureExamples, pacedTable, Report, table, verdict } from "./lib/report";
import { fmt } from "./lib/stats";
import { BARE_WORKER_SOURCE, startHub, type RunningWorker } from "./lib/workers";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    users: { type: "string", default: "50" },
    "wait-quiet": { type: "string", default: "60" },
    "postgres-auth": { type: "string", default: "password" },
  },
});
const SECONDS = Number(args.seconds);
const USERS = Number(args.users);
const CONNECTIONS = 200;
const RATE = 500;
const BREAKDOWN_RATE = 100;
/** Paced runs first send this long at their rate without timing it (the client opens its sockets). */
const WARMUP_S = 1;
const PACED_ROUNDS = 3;
const CLOSED_WARMUP_S = 2;
const TARGETS = { throughputShare: 0.5, p99Ms: 50, recomputeCpuMs: 50 };
const ROUTE = "/v1/me/readiness";

const argv = process.argv.slice(2).join(" ");
const report = new Report("readiness", describeEnvironment(`npm run bench:readiness${argv ? ` -- ${argv}` : ""}`));
const today = new Date().toISOString().slice(0, 10);
const daysBetween = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
const bareRequests: RequestTemplate[] = [{ method: "GET", path: "/", headers: {} }];

interface CachedSnapshotReader {
  getSnapshot(date: string): Promise<{ date: string } | null>;
}

/** How many users' Durable Objects hold today's snapshot (read straight from the objects). */
async function cachedInObjects(hub: RunningWorker, users: HistoryUser[]): Promise<number> {
  const namespace = await hub.mf.getDurableObjectNamespace("USER_READINESS", hub.name);
  let cached = 0;
  for (const user of users) {
    const stub = namespace.get(namespace.idFromName(`user:${user.userId}`)) as unknown as CachedSnapshotReader;
    if ((await stub.getSnapshot(today))?.date === today) cached++;
  }
  return cached;
}

async function warmCaches(h: Harness, requests: RequestTemplate[]): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  // The first read computes (or loads) and caches; the second is the cache hit the benchmark measures.
  for (let pass = 0; pass < 2; pass++) {
    await Promise.all(
      requests.map(async (request) => {
        const response = await fetch(`${h.hub.origin}${request.path}`, { headers: request.headers });
        await response.body?.cancel();
        if (pass === 1) statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      }),
    );
  }
  return statuses;
}

/** The closed loop on another hub instance of the same bundle (other vars or bindings), warmed like the first. */
async function closedOnVariant(h: Harness, requests: RequestTemplate[], variant: { vars: Record<string, string>; metrics?: boolean; name: string }): Promise<ClosedRow> {
  const hub = await startHub({ bundle: h.bundle, rateLimit: BENCH_RATE_LIMIT, ...variant });
  try {
    await warmCaches({ ...h, hub }, requests);
    await settled(hub);
    return await warmedClosedPhase(hub, requests);
  } finally {
    await hub.dispose();
  }
}

/** A token whose signature no longer matches (one character of the signature changed). */
function tamperedToken(authorization: string): string {
  const [header, payload, signature] = authorization.replace(/^Bearer /, "").split(".") as [string, string, string];
  return `Bearer ${header}.${payload}.${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`;
}

/**
 * Where a cache-hit read's cost goes: the same hub answering successively more of the read path, each
 * at a modest evenly paced rate that no step saturates.
 */
async function costBreakdown(h: Harness, requests: RequestTemplate[]): Promise<PacedRow[]> {
  const steps: { worker: RunningWorker; route: string; requests: RequestTemplate[]; expect: number[] }[] = [
    { worker: h.bare, route: "bare: GET /", requests: bareRequests, expect: [200] },
    { worker: h.hub, route: "GET /health (app middleware, no auth)", requests: [{ method: "GET", path: "/health", headers: {} }], expect: [200] },
    {
      worker: h.hub,
      route: `GET ${ROUTE}, bad signature → 401 (JWT check only)`,
      requests: requests.map((r) => ({ ...r, headers: { authorization: tamperedToken(r.headers.authorization!) } })),
      expect: [401],
    },
    { worker: h.hub, route: "GET /v1/me (JWT, Postgres connection, user upsert, one select)", requests: requests.map((r) => ({ ...r, path: "/v1/me" })), expect: [200] },
    { worker: h.hub, route: `GET ${ROUTE} (cached JWT and user, the isolate's copy or the Durable Object, batched audit insert)`, requests, expect: [200] },
  ];
  const rows: PacedRow[] = [];
  for (const step of steps) {
    await settled(step.worker);
    rows.push(await pacedPhase(step.worker, { route: step.route, requests: step.requests, expect: step.expect, rate: BREAKDOWN_RATE, count: BREAKDOWN_RATE * 5 }));
  }
  return rows;
}

/**
 * The closed loop after an untimed one of CLOSED_WARMUP_S at the same concurrency. A hub process's
 * first burst of 200 new connections left some 90 requests unanswered for over 4 s in autocannon
 * (never in later runs, never for the bare Worker, not with Node's fetch); the cause is not found,
 * and the warm-up keeps it out of the throughput figures (docs/benchmarks.md).
 */
async function warmedClosedPhase(worker: RunningWorker, requests: RequestTemplate[], route = ROUTE): Promise<ClosedRow> {
  await closedPhase(worker, { route, requests, expect: [200], connections: CONNECTIONS, durationS: CLOSED_WARMUP_S });
  await settled(worker);
  return closedPhase(worker, { route, requests, expect: [200], connections: CONNECTIONS, durationS: SECONDS });
}

function printBreakdown(rows: PacedRow[]): void {
  report.print(
    [
      `### Where a cache-hit read's CPU goes (each step evenly paced at ${BREAKDOWN_RATE}/s for 5 s)`,
      table(
        ["request", "ok", "p50 ms", "p99 ms", "workerd CPU/req ms", "Postgres CPU/req ms", "other load (cores)"],
        rows.map((r) => [r.route, `${r.ok}/${r.sent}`, fmt(r.p50Ms), fmt(r.p99Ms), fmt(r.cpuPerRequestMs), fmt(r.postgresCpuPerRequestMs), fmt(r.otherBusyCores)]),
      ),
    ].join("\n\n"),
  );
}

async function measureRecompute(h: Harness, users: HistoryUser[]) {
  const rows = modelInput(users[0]!);
  const allDates = users[0]!.days.map((day) => day.date);
  // The hub scores calendar dates: a changed date and the week after it, never past today.
  const calendar = (from: string) => Array.from({ length: daysBetween(from, today) + 1 }, (_, i) => addDays(from, i));
  const weekAgo = addDays(today, -7);
  const model = {
    oneDate: timeModel(rows, [today], 200),
    allDates: timeModel(rows, allDates, 30),
  };
  const cases: { users: number; recompute: RecomputeCase }[] = [
    { users: 10, recompute: { label: "a new night (today)", sent: [today], scored: [today] } },
    { users: 10, recompute: { label: "a night 7 days back changed", sent: [weekAgo], scored: calendar(weekAgo) } },
    { users: 3, recompute: { label: `all ${HISTORY_DAYS} dates rescored`, sent: allDates, scored: calendar(allDates[0]!) } },
  ];
  let endToEnd: EndToEndRecompute[] | string = [];
  try {
    for (const { users: count, recompute } of cases) {
      endToEnd.push(await timeEndToEnd(h.hub, h.pool, users.slice(0, count).map((u) => u.userId), recompute, 3));
    }
  } catch (error) {
    endToEnd = (error as Error).message;
  }
  return { model, endToEnd };
}

function printRecompute(recompute: Awaited<ReturnType<typeof measureRecompute>>): void {
  const { model, endToEnd } = recompute;
  const rows: (string | number)[][] = [
    [`model in-process, today's score from ${HISTORY_DAYS} days of rows (median of 200 runs)`, `${fmt(model.oneDate.p50)} ms (p95 ${fmt(model.oneDate.p95)})`, `< ${TARGETS.recomputeCpuMs} ms`, verdict(model.oneDate.p50 < TARGETS.recomputeCpuMs)],
    [`model in-process, all ${HISTORY_DAYS} dates rescored (median of 30 runs)`, `${fmt(model.allDates.p50)} ms (p95 ${fmt(model.allDates.p95)})`, `< ${TARGETS.recomputeCpuMs} ms`, verdict(model.allDates.p50 < TARGETS.recomputeCpuMs)],
  ];
  if (typeof endToEnd === "string") {
    rows.push(["hub end to end through the insights queue", `not measured: ${endToEnd}`, "–", "–"]);
  } else {
    for (const e2e of endToEnd) {
      rows.push([
        `hub end to end, ${e2e.label}: ${e2e.users} users at once, median of ${e2e.rounds} rounds`,
        `${fmt(e2e.cpuPerRecomputeMs)} ms workerd CPU per user (${e2e.scoredPerUser} snapshot${e2e.scoredPerUser === 1 ? "" : "s"}); ${fmt(e2e.wallS)} s until stored`,
        `< ${TARGETS.recomputeCpuMs} ms`,
        verdict(e2e.cpuPerRecomputeMs < TARGETS.recomputeCpuMs),
      ]);
    }
  }
  report.print(
    [
      `### Recompute for a user with two years of history`,
      "End to end = insights queue → consumer → the user's Durable Object (after its coalescing delay) → history query, model, snapshot upsert; workerd CPU above its idle rate.",
      table(["figure", "value", "target", "verdict"], rows),
    ].join("\n\n"),
  );
}

async function main(): Promise<void> {
  const quiet = await waitForQuietMachine(Number(args["wait-quiet"]));
  report.print(`Machine before the run: ${fmt(quiet.busyCores)} cores busy with other work (waited ${fmt(quiet.waitedS)} s for quiet).`);
  const h = await startHarness("readiness", { timeLimitS: 420, postgresAuth: postgresAuth(args["postgres-auth"]), onTimeLimit: () => report.save() });
  try {
    const users = await Promise.all(Array.from({ length: USERS }, (_, i) => seedHistoryUser(h.pool, `bench|readiness-${i}`, today)));
    // Statistics and visibility maps as a database in service has them, so that autovacuum does not
    // pick the freshly seeded tables up in the middle of a measurement (Postgres shares the cores).
    await h.pool.query("VACUUM ANALYZE");
    const requests: RequestTemplate[] = await Promise.all(
      users.map(async (user) => ({
        method: "GET" as const,
        path: ROUTE,
        headers: { authorization: `Bearer ${await h.stack.sims.idp.mint({ sub: user.subject, expSeconds: 3600 })}` },
      })),
    );
    report.print(
      [
        `Workers (each its own Miniflare instance and workerd process):`,
        `- hub: the \`wrangler deploy --dry-run\` bundle with wrangler.toml's bindings (queues and consumers, Durable Object, rate limiters with the limit raised to ${BENCH_RATE_LIMIT} per period for the run)`,
        `- bare: \`${BARE_WORKER_SOURCE}\``,
        `Setup: ${USERS} users with ${HISTORY_DAYS} days of sleep_daily and hrv_daily rows each, one ES256 bearer token each from the identity-provider simulator; requests rotate through the users.`,
      ].join("\n"),
    );

    const probe = await fetch(`${h.hub.origin}${ROUTE}`, { headers: requests[0]!.headers });
    const probeBody = await probe.text();
    report.print(`Probe: GET ${ROUTE} → ${probe.status} ${probeBody.slice(0, 160)}…`);
    if (probe.status === 404 && probeBody.includes("no route")) {
      report.print(`GET ${ROUTE} is not served by this build: only the model is measured.`);
      printRecompute({ model: { oneDate: timeModel(modelInput(users[0]!), [today], 200), allDates: timeModel(modelInput(users[0]!), users[0]!.days.map((d) => d.date), 30) }, endToEnd: "no route" });
      return;
    }
    const warmed = await warmCaches(h, requests);
    const cached = await cachedInObjects(h.hub, users).catch((error: Error) => `not readable (${error.message})`);
    report.print(`Cache: second read per user answered ${JSON.stringify(warmed)}; users whose Durable Object holds today's snapshot: ${cached} of ${USERS}.`);

    await pacedPhase(h.hub, { route: ROUTE, requests, expect: [200], rate: 250, count: 1000 });
    await pacedPhase(h.bare, { route: "GET /", requests: bareRequests, expect: [200], rate: 250, count: 1000 });

    // Latency first: after a saturating closed loop the machine's tails stay longer for a while
    // (seen on the bare Worker as much as on the hub). Alternating rounds: a tail spike of the shared
    // machine lands in one round, not in the figure.
    await settled(h.hub);
    const hubRounds: PacedRow[] = [];
    const bareRounds: PacedRow[] = [];
    for (let round = 0; round < PACED_ROUNDS; round++) {
      hubRounds.push(await pacedPhase(h.hub, { route: ROUTE, requests, expect: [200], rate: RATE, count: RATE * SECONDS, warmupS: WARMUP_S }));
      bareRounds.push(await pacedPhase(h.bare, { route: "GET /", requests: bareRequests, expect: [200], rate: RATE, count: RATE * SECONDS, warmupS: WARMUP_S }));
    }
    await settled(h.hub);
    const closed: ClosedRow[] = [
      await warmedClosedPhase(h.hub, requests),
      await warmedClosedPhase(h.bare, bareRequests, "GET /"),
    ];
    const paced = [...hubRounds, ...bareRounds];
    // The same reads with the isolate's copies turned off: every read asks the user's Durable Object
    // (what a user reading a date only once in a while gets).
    closed.push(await closedOnVariant(h, requests, { vars: { ...h.stack.vars, READINESS_EDGE_CACHE_MS: "0" }, name: "hub, copies off" }));
    // The same hub without its METRICS binding: what writing a data point per request costs the route.
    closed.push(await closedOnVariant(h, requests, { vars: h.stack.vars, metrics: false, name: "hub, no metrics" }));
    report.record("closed", closed);
    report.record("paced", paced);
    const share = closed[0]!.requestsPerS / closed[1]!.requestsPerS;
    const medianRound = (rounds: PacedRow[]) => [...rounds].sort((a, b) => a.p99Ms - b.p99Ms)[rounds.length >> 1]!;
    const [hubPaced, barePaced] = [medianRound(hubRounds), medianRound(bareRounds)];
    const allAnswered = hubRounds.every((r) => r.ok === r.sent);
    report.print(
      [
        `### Cache-hit reads: closed loop (autocannon, ${CONNECTIONS} connections, ${SECONDS} s) and evenly paced (${RATE}/s, ${SECONDS} s timed after ${WARMUP_S} s untimed, ${PACED_ROUNDS} alternating rounds; sent and ok count both)`,
        closedTable(closed),
        pacedTable(paced),
        table(
          ["figure", "value", "target", "verdict"],
          [
            ["throughput at 200 connections, hub / bare", `${fmt(closed[0]!.requestsPerS)} / ${fmt(closed[1]!.requestsPerS)} req/s = ${fmt(share * 100)}%`, `≥ ${TARGETS.throughputShare * 100}%`, verdict(share >= TARGETS.throughputShare && closed[0]!.ok === closed[0]!.sent)],
            ["same, isolate copies off (every read asks the Durable Object)", `${fmt(closed[2]!.requestsPerS)} / ${fmt(closed[1]!.requestsPerS)} req/s = ${fmt((closed[2]!.requestsPerS / closed[1]!.requestsPerS) * 100)}%`, "–", "–"],
            ["same, no METRICS binding (no data points written)", `${fmt(closed[3]!.requestsPerS)} / ${fmt(closed[1]!.requestsPerS)} req/s = ${fmt((closed[3]!.requestsPerS / closed[1]!.requestsPerS) * 100)}%; CPU/req ${fmt(closed[3]!.cpuPerRequestMs)} ms against ${fmt(closed[0]!.cpuPerRequestMs)} ms with`, "–", "–"],
            [`p99 at ${RATE}/s, median of ${PACED_ROUNDS} rounds`, `${fmt(hubPaced.p99Ms)} ms (bare ${fmt(barePaced.p99Ms)} ms); rounds ${hubRounds.map((r) => fmt(r.p99Ms)).join(", ")} ms; ${hubRounds.reduce((n, r) => n + r.sent - r.ok, 0)} failed`, `< ${TARGETS.p99Ms} ms, no failures`, verdict(hubPaced.p99Ms < TARGETS.p99Ms && allAnswered)],
            [`Worker CPU per read at ${RATE}/s, hub / bare`, `${fmt(hubPaced.cpuPerRequestMs)} / ${fmt(barePaced.cpuPerRequestMs)} ms = ${fmt(hubPaced.cpuPerRequestMs / barePaced.cpuPerRequestMs)}×`, "–", "–"],
          ],
        ),
      ].join("\n\n"),
    );
    const examples = failureExamples([...closed, ...paced]);
    if (examples.length) report.print(["Failure examples (first of each class per phase):", ...examples].join("\n"));

    const breakdown = await costBreakdown(h, requests);
    report.record("breakdown", breakdown);
    printBreakdown(breakdown);

    await settled(h.hub);
    const recompute = await measureRecompute(h, users);
    report.record("recompute", recompute);
    printRecompute(recompute);
  } finally {
    await h.stop();
    const stem = report.save();
    console.log(`results: ${stem}.json, ${stem}.md`);
  }
}

await main();
