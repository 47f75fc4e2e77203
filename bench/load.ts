// Issue 9: the hub under a population of athletes using the app, open loop and stage-driven. Each
// virtual athlete's session opens the live readiness socket and reads the profile, today's score, a
// month of history, a week of sleep and a month of HRV, uploads last night's phone samples, and
// holds the socket to the session's end; its vendor sends the webhooks of the night it synced.
// Each route is first measured alone; then the same schedule runs against a bare Worker, then the hub.
//
//   npm run load [-- --quick] [--athletes 1000] [--session-seconds 40] [--threads 2] [--no-latency]
//                [--no-bare] [--no-costs] [--wait-quiet 30] [--postgres-auth password|scram] [--no-pooler]
//                [--statements] [--costs-only]
import { parseArgs } from "node:util";
import { seedAthletes, ATHLETE_HISTORY_DAYS, ATHLETE_SNAPSHOT_DAYS } from "./lib/athletes";
import { describeEnvironment } from "./lib/environment";
import { postgresAuth, startHarness, waitForQuietMachine } from "./lib/harness";
import { costsTable, failureExamples, statementsTables, routesTable, targetsTable, timelineTable, totalsTable } from "./lib/load-report";
import { settled } from "./lib/phases";
import { postgresIdleCores } from "./lib/process-cpu";
import { warmDatabasePaths } from "./lib/warm-database";
import { markPipeline, pipelineCounts } from "./lib/pipeline-counts";
import { Report } from "./lib/report";
import { routeCost, type RouteCost } from "./lib/route-costs";
import { appRanges } from "./lib/session-requests";
import { holdWindow, planSessions, profile, runSeconds, sessionStarts } from "./lib/session-plan";
import { runProfile, type ProfileRun } from "./lib/session-run";
import { ROUTES, type RouteName } from "./lib/session-types";
import { fmt } from "./lib/stats";
import { BARE_LIVE_WORKER_SOURCE, startBareLive } from "./lib/workers";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    athletes: { type: "string", default: "1000" },
    "session-seconds": { type: "string", default: "40" },
    threads: { type: "string", default: "2" },
    "no-latency": { type: "boolean", default: false },
    "no-bare": { type: "boolean", default: false },
    "no-costs": { type: "boolean", default: false },
    "wait-quiet": { type: "string", default: "30" },
    "postgres-auth": { type: "string", default: "password" },
    // The hub's sessions start their own Postgres backends (Neon's direct endpoint) instead of
    // borrowing warm ones from the pooler (its pooled endpoint, the production setting).
    "no-pooler": { type: "boolean", default: false },
    // Postgres time per statement for each route alone (pg_stat_statements); only with the per-route costs.
    statements: { type: "boolean", default: false },
    // Measure each route alone and stop: no profile run.
    "costs-only": { type: "boolean", default: false },
  },
});

/** Rounds of GET /v1/me for new subjects, a few at once, until a round answers 200 throughout. */
async function warmUp(origin: string, mint: (sub: string) => Promise<string>): Promise<void> {
  for (let round = 0; round < 10; round++) {
    const statuses = await Promise.all(
      Array.from({ length: 5 }, async (_, i) => {
        const response = await fetch(`${origin}/v1/me`, { headers: { authorization: `Bearer ${await mint(`bench|warm-up-${round}-${i}`)}` } });
        await response.body?.cancel();
        return response.status;
      }),
    );
    if (statuses.every((status) => status === 200)) return;
  }
}

function positiveInteger(name: string, value: string | undefined, max: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > max) throw new Error(`--${name} must be an integer from 1 to ${max}`);
  return parsed;
}

const PEAK = positiveInteger("athletes", args.athletes, 20_000);
const SESSION_S = positiveInteger("session-seconds", args["session-seconds"], 600);
const THREADS = positiveInteger("threads", args.threads, 8);
const PROFILE = profile(args.quick ? "quick" : "full", PEAK, SESSION_S);
const VENDOR_LATENCY_MS = { minMs: 100, maxMs: 300 };
/** Per round trip, as a Worker sees Neon. */
const POSTGRES_LATENCY_MS: [number, number] = [5, 15];
const COST_RATE = 20;
const COST_SECONDS = 5;
const IDLE_SAMPLE_MS = 10_000;
/** The HTTP stand-in's connections (its pool's size) and Worker sessions opened before anything is timed (bench/lib/warm-database.ts). */
const STAND_IN_CONNECTIONS = 20;
const WARM_SESSIONS = 20;
/** The run stops itself after this long, whatever happens (the schedule, the drains, the per-route costs, setup). */
const TIME_LIMIT_S = 2 * (runSeconds(PROFILE.stages) + SESSION_S) + 900;

const HUB_EXPECT: Record<RouteName, number[]> = {
  "GET /v1/me": [200],
  "GET /v1/me/readiness": [200],
  "GET /v1/me/readiness/history": [200],
  "GET /v1/me/sleep": [200],
  "GET /v1/me/hrv": [200],
  "POST /v1/me/samples": [202],
  "WS /v1/me/readiness/live": [101],
  "POST /webhooks/oura": [200],
  "POST /webhooks/whoop": [200],
};
const BARE_EXPECT = Object.fromEntries(ROUTES.map((route) => [route, route.startsWith("WS") ? [101] : [200]])) as Record<RouteName, number[]>;

const argv = process.argv.slice(2).join(" ");
const report = new Report("load", describeEnvironment(`npm run load${argv ? ` -- ${argv}` : ""}`));
const RESULTS_FOLDER = ".data/load";

/** Consumers retry with delays after the hub looks idle: wait (up to 60 s) until every accepted webhook's event is stored. */
async function pipelineSettled(count: () => ReturnType<typeof pipelineCounts>, accepted: number): ReturnType<typeof pipelineCounts> {
  const deadline = performance.now() + 60_000;
  for (;;) {
    const counts = await count();
    const stored = Object.values(counts.storedEvents).reduce((sum, n) => sum + n, 0);
    if (stored >= accepted || performance.now() > deadline) return counts;
    await new Promise((resolve) => setTimeout(resolve, 5_000));
  }
}

async function main(): Promise<void> {
  const quiet = await waitForQuietMachine(Number(args["wait-quiet"]));
  report.print(`Machine before the run: ${fmt(quiet.busyCores)} cores busy with other work (waited ${fmt(quiet.waitedS)} s for quiet).`);
  const h = await startHarness("load", { timeLimitS: TIME_LIMIT_S, postgresAuth: postgresAuth(args["postgres-auth"]), pooler: !args["no-pooler"], statements: args.statements, onTimeLimit: () => report.save(RESULTS_FOLDER) });
  const bare = await startBareLive();
  try {
    const today = new Date().toISOString().slice(0, 10);
    const seedStarted = performance.now();
    const athletes = await seedAthletes(h.stack, h.pool, PEAK, today, TIME_LIMIT_S + 3_600);
    await h.pool.query("VACUUM ANALYZE");
    const secrets = { oura: h.stack.vars.OURA_CLIENT_SECRET!, whoop: h.stack.vars.WHOOP_CLIENT_SECRET! };
    const plan = planSessions(sessionStarts(PROFILE.stages, PROFILE.sessionS), PROFILE.sessionS, athletes);
    const hold = holdWindow(PROFILE.stages);
    if (!args["no-latency"]) {
      h.stack.sims.oura.network.setLatency(VENDOR_LATENCY_MS);
      h.stack.sims.whoop.network.setLatency(VENDOR_LATENCY_MS);
      h.stack.faults.postgres.set({ latencyMs: POSTGRES_LATENCY_MS });
    }
    const ranges = appRanges(today);
    report.print(
      [
        `Workers (each its own Miniflare instance and workerd process):`,
        `- hub: the \`wrangler deploy --dry-run\` bundle with wrangler.toml's bindings (queues and consumers, Durable Object, rate limiters with the limit raised for the run)`,
        `- bare: \`${BARE_LIVE_WORKER_SOURCE}\``,
        `Population: ${PEAK} athletes (seeded in ${fmt((performance.now() - seedStarted) / 1000)} s), each with ${ATHLETE_HISTORY_DAYS} days of sleep_daily/hrv_daily rows, ${ATHLETE_SNAPSHOT_DAYS} days of readiness snapshots and an ES256 bearer token; ` +
          `${athletes.filter((a) => a.vendor === "oura").length} with Oura and ${athletes.filter((a) => a.vendor === "whoop").length} with WHOOP connected through the simulators' OAuth (7 recent nights each in the simulator).`,
        `Profile ${PROFILE.name}: target athletes in session ${PROFILE.stages.map((s) => `→ ${s.target} over ${s.durationS} s`).join(", ")}; sessions of ${PROFILE.sessionS} s, ${plan.length} in all; hold stage ${hold[0]}–${hold[1]} s.`,
        `Session: live WebSocket + GET /v1/me at once, then 3–6 s apart GET /v1/me/readiness, /readiness/history?${ranges.history}, /sleep?${ranges.sleep}, /hrv?${ranges.hrv}, POST /v1/me/samples (22 samples of last night); ` +
          `the socket is held to the end. Within 10 s of the start the athlete's vendor sends the synced night's webhooks (Oura: sleep update; WHOOP: sleep.updated, recovery.updated 0.5 s later).`,
        `Injected latency: ${args["no-latency"] ? "none (--no-latency)" : `vendor simulators ${VENDOR_LATENCY_MS.minMs}–${VENDOR_LATENCY_MS.maxMs} ms per request; Postgres ${POSTGRES_LATENCY_MS[0]}–${POSTGRES_LATENCY_MS[1]} ms per round trip (the database link, scripts/lib/faults.ts)`}.`,
        `Database endpoint: ${h.pooler ? "pooled (scripts/lib/pg-pooler.ts, a session pooler as Neon's pooled endpoint: a Worker session borrows a warm backend)" : "direct (--no-pooler: every Worker session starts its own Postgres backend)"}; one-shot statements over the Neon HTTP stand-in either way.`,
        `Load: ${THREADS} session threads (undici keep-alive pool of 256 connections each, ws for the sockets); open loop: every request is sent at its scheduled time and timed from it; 10 s client timeout.`,
      ].join("\n"),
    );

    // A fresh hub's first requests pay for its start (the bundle's compile, the identity provider's
    // keys), and a fresh stack for its database connections: untimed, with users outside the population.
    await warmUp(h.hub.origin, (sub) => h.stack.sims.idp.mint({ sub, expSeconds: 600 }));
    await warmDatabasePaths(h, { httpConnections: STAND_IN_CONNECTIONS, sessions: WARM_SESSIONS });
    await settled(h.hub);

    // Costs first, on an idle hub: after a profile that overloaded it, its backlog would be charged to them.
    if (!args["no-costs"]) {
      const idleCores = await postgresIdleCores(IDLE_SAMPLE_MS);
      report.print(`Postgres on the idle hub, before the per-route costs: ${fmt(idleCores)} cores over ${IDLE_SAMPLE_MS / 1000} s (its own background work); the costs show Postgres CPU with and without that rate over each window.`);
      const costs: RouteCost[] = [];
      for (const route of ROUTES.filter((r) => !r.startsWith("WS"))) {
        const cost = await routeCost(h.hub, h.pool, { route, expect: HUB_EXPECT[route], athletes, today, secrets, rate: COST_RATE, seconds: COST_SECONDS, statements: args.statements, postgresIdleCores: idleCores });
        if (cost) costs.push(cost);
      }
      report.record("costs", costs);
      report.print([`### Each route alone (evenly paced at ${COST_RATE}/s for ${COST_SECONDS} s; CPU until the hub is idle again)`, costsTable(costs)].join("\n\n"));
      const costFailures = costs.flatMap((cost) => Object.entries(cost.failures.examples).map(([kind, example]) => `- ${cost.route} alone, ${kind}: ${example}`));
      if (costFailures.length) report.print(["Failure examples:", ...costFailures].join("\n"));
      for (const statements of statementsTables(costs)) report.print(statements);
    }
    if (args["costs-only"]) return;
    const runs: ProfileRun[] = [];
    const linkOpened = () => h.stack.faults.postgres.stats().opened;
    const common = { plan, athletes, threads: THREADS, today, secrets, hold, pool: h.pool, drainTimeoutMs: 120_000, linkOpened };
    if (!args["no-bare"]) {
      console.log(`bare: ${plan.length} sessions…`);
      runs.push(await runProfile(bare, { ...common, expect: BARE_EXPECT }));
    }
    await settled(h.hub);
    console.log(`hub: ${plan.length} sessions…`);
    const mark = markPipeline(h.stack.sims);
    const hub = await runProfile(h.hub, { ...common, expect: HUB_EXPECT });
    const accepted = hub.routes["POST /webhooks/oura"].ok + hub.routes["POST /webhooks/whoop"].ok;
    const pipeline = await pipelineSettled(() => pipelineCounts(h.pool, h.stack.sims, mark), accepted);
    report.record("pipeline", pipeline);
    runs.unshift(hub);
    report.record("runs", runs);
    report.print([`### Per route (hold stage ${hold[0]}–${hold[1]} s; run p99 over every stage)`, routesTable(runs)].join("\n\n"));
    report.print([`### Totals (CPU and connections per answered request, all routes together)`, totalsTable(runs)].join("\n\n"));
    report.print([`### Targets (hub, hold stage)`, targetsTable(hub)].join("\n\n"));
    report.print(
      `Webhooks: accepted by the hub ${hub.routes["POST /webhooks/oura"].ok} Oura + ${hub.routes["POST /webhooks/whoop"].ok} WHOOP; ` +
        `events stored by the consumers ${JSON.stringify(pipeline.storedEvents)} (waiting up to 60 s after the hub went idle; a webhook the client gave up on may still have been accepted); dead letters ${pipeline.deadLetters}; ` +
        `vendor API calls by status: Oura ${JSON.stringify(pipeline.vendorCalls.oura)}, WHOOP ${JSON.stringify(pipeline.vendorCalls.whoop)}.`,
    );
    report.print([`### Hub timeline (every 5 s)`, timelineTable(hub)].join("\n\n"));
    const examples = failureExamples(runs);
    if (examples.length) report.print(["Failure examples (first of each class per route):", ...examples].join("\n"));

  } finally {
    await bare.dispose().catch(() => undefined);
    await h.stop();
    const stem = report.save(RESULTS_FOLDER);
    console.log(`results: ${stem}.json, ${stem}.md`);
  }
}

await main();
