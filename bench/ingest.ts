// Issue 3: signed Oura webhooks into the hub. Latency at evenly paced 500 and 1,000 webhooks/s,
// Worker CPU per webhook against the bare Worker's, closed-loop throughput at 100 and 1,000
// connections (errors split into the app's and the emulator's), and webhook → row-in-Postgres time.
//
//   npm run bench:ingest [-- --seconds 8 --closed-seconds 8 --users 20 --wait-quiet 60 --postgres-auth password|scram]
//
// The consumers' work per webhook (vendor fetch, upserts, recompute) is several times the route's,
// and on one small machine it would compete with the route for the same cores. So the route is
// measured on a hub whose queues nobody consumes, next to a bare Worker and a bare Worker that only
// does `queue.send`; the complete hub (consumers on) gives the freshness, the end-to-end CPU per
// webhook and a latency run with the consumers working alongside.
import { parseArgs } from "node:util";
import { describeEnvironment } from "./lib/environment";
import { measureFreshness } from "./lib/freshness";
import { postgresAuth, startHarness, waitForQuietMachine, BENCH_RATE_LIMIT, type Harness } from "./lib/harness";
import type { RequestTemplate } from "./lib/load";
import { connectOuraUser, type ConnectedOuraUser } from "./lib/oura-users";
import { nightsOf, signedSleepUpdates, WEBHOOK_PATH, type OuraNightRef } from "./lib/oura-webhooks";
import { closedPhase, pacedPhase, type ClosedRow, type PacedRow } from "./lib/phases";
import { startCpuWindow, waitUntilQuiet } from "./lib/process-cpu";
import { closedTable, failureExamples, pacedTable, Report, table, verdict } from "./lib/report";
import { fmt } from "./lib/stats";
import { BARE_QUEUE_WORKER_SOURCE, BARE_WORKER_SOURCE, startBareQueue, startHub, type RunningWorker } from "./lib/workers";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "8" },
    "wait-quiet": { type: "string", default: "60" },
    "postgres-auth": { type: "string", default: "password" },
    "closed-seconds": { type: "string", default: "8" },
    users: { type: "string", default: "20" },
  },
});
const PACED_SECONDS = Number(args.seconds);
const CLOSED_SECONDS = Number(args["closed-seconds"]);
const USERS = Number(args.users);
const NIGHTS_PER_USER = 90;
const PACED_RATES = [500, 1000];
const CLOSED_CONNECTIONS = [100, 1000];
const END_TO_END = { rate: 500, count: 1000 };
const OK = [200, 202];
const TARGETS = { p99Ms: 50, cpuRatio: 3, freshnessP95Ms: 3000 };

const argv = process.argv.slice(2).join(" ");
const report = new Report("ingest", describeEnvironment(`npm run bench:ingest${argv ? ` -- ${argv}` : ""}`));
const today = new Date().toISOString().slice(0, 10);
const bareRequests: RequestTemplate[] = [{ method: "GET", path: "/", headers: {} }];
const bareQueueRequests: RequestTemplate[] = [{ method: "POST", path: "/", headers: { "content-type": "application/json" }, body: '{"event_type":"update"}' }];

interface Target {
  worker: RunningWorker;
  route: string;
  requests: (count: number) => Promise<RequestTemplate[]>;
}

async function routeExists(h: Harness, user: ConnectedOuraUser): Promise<boolean> {
  const [request] = await signedSleepUpdates(h.stack.vars.OURA_CLIENT_SECRET!, nightsOf([user]).slice(0, 1), 1);
  const response = await fetch(`${h.hub.origin}${WEBHOOK_PATH}`, { method: "POST", headers: request!.headers, body: request!.body });
  const body = await response.text();
  report.print(`Probe: POST ${WEBHOOK_PATH} (signed) → ${response.status} ${body.slice(0, 200)}`);
  return !(response.status === 404 && body.includes("no route"));
}

async function paced(target: Target, rate: number, count: number): Promise<PacedRow> {
  return pacedPhase(target.worker, { route: target.route, requests: await target.requests(count), expect: OK, rate, count });
}

/** Freshness and the end-to-end cost, on the complete hub (consumers on). */
async function completeHub(h: Harness, hub: Target, freshUser: ConnectedOuraUser) {
  await paced(hub, 100, 200);
  await waitUntilQuiet(h.hub.pid, { timeoutMs: 60_000 });
  const fresh = await measureFreshness(h.hub.origin, h.pool, h.stack.vars.OURA_CLIENT_SECRET!, freshUser, { nights: 40, ratePerS: 10 });
  await waitUntilQuiet(h.hub.pid, { timeoutMs: 60_000 });
  const total = startCpuWindow(h.hub.pid);
  const withConsumers = await paced(hub, END_TO_END.rate, END_TO_END.count);
  const drainS = await waitUntilQuiet(h.hub.pid, { timeoutMs: 120_000 });
  const window = total();
  return {
    fresh,
    withConsumers: { ...withConsumers, worker: "hub (consumers on)" },
    drainS,
    endToEndCpuMs: (window.cpuS * 1000) / withConsumers.ok,
    endToEndPostgresCpuMs: (window.postgresCpuS * 1000) / withConsumers.ok,
  };
}

/** How many of the nights that got a webhook on the complete hub have their sleep_daily row. */
async function landedRows(h: Harness, sent: OuraNightRef[]): Promise<{ expected: number; found: number }> {
  const distinct = [...new Map(sent.map((night) => [`${night.userId}/${night.day}`, night])).values()];
  const found = await h.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM sleep_daily s
     JOIN unnest($1::uuid[], $2::date[]) AS t(user_id, date) ON s.user_id = t.user_id AND s.date = t.date`,
    [distinct.map((night) => night.userId), distinct.map((night) => night.day)],
  );
  return { expected: distinct.length, found: Number(found.rows[0]!.n) };
}

function printFreshness(fresh: Awaited<ReturnType<typeof completeHub>>["fresh"]): void {
  report.print(
    [
      `### Webhook → sleep_daily row visible (${fresh.sent} nights, ${fresh.ratePerS}/s, polled every ${fresh.pollMs} ms, complete hub)`,
      table(
        ["sent", "accepted", "visible", "p50 ms", "p95 ms", "max ms", `target p95 < ${TARGETS.freshnessP95Ms} ms`],
        [[fresh.sent, fresh.accepted, fresh.count, fmt(fresh.p50), fmt(fresh.p95), fmt(fresh.max), verdict(fresh.missing === 0 && fresh.p95 < TARGETS.freshnessP95Ms)]],
      ),
    ].join("\n\n"),
  );
}

async function main(): Promise<void> {
  const quiet = await waitForQuietMachine(Number(args["wait-quiet"]));
  report.print(`Machine before the run: ${fmt(quiet.busyCores)} cores busy with other work (waited ${fmt(quiet.waitedS)} s for quiet).`);
  const h = await startHarness("ingest", { timeLimitS: 300, postgresAuth: postgresAuth(args["postgres-auth"]), onTimeLimit: () => report.save() });
  const extra: RunningWorker[] = [];
  try {
    const users = await Promise.all(
      Array.from({ length: USERS }, (_, i) => connectOuraUser(h.stack, h.pool, { label: `load${i}`, nights: NIGHTS_PER_USER, endDate: today })),
    );
    const freshUser = await connectOuraUser(h.stack, h.pool, { label: "fresh", nights: 60, endDate: today });
    const nights: OuraNightRef[] = nightsOf(users);
    const webhooks = (count: number) => signedSleepUpdates(h.stack.vars.OURA_CLIENT_SECRET!, nights, count);
    report.print(
      [
        `Workers (each its own Miniflare instance and workerd process):`,
        `- hub: the \`wrangler deploy --dry-run\` bundle with wrangler.toml's bindings (queues and consumers, Durable Object, rate limiters with the limit raised to ${BENCH_RATE_LIMIT} per period for the run)`,
        `- hub-no-consumers: the same bundle and bindings, its queues not consumed`,
        `- bare: \`${BARE_WORKER_SOURCE}\``,
        `- bare-queue: \`${BARE_QUEUE_WORKER_SOURCE}\``,
        `Setup: ${USERS} connected Oura users, ${nights.length} sleep documents in the Oura simulator; webhooks cycle through them, each with its own event_time.`,
      ].join("\n"),
    );
    if (!(await routeExists(h, users[0]!))) {
      report.print(`POST ${WEBHOOK_PATH} is not served by this build: nothing to measure.`);
      return;
    }

    const complete = await completeHub(h, { worker: h.hub, route: WEBHOOK_PATH, requests: webhooks }, freshUser);
    report.record("freshness", complete.fresh);
    printFreshness(complete.fresh);

    const routesOnly = await startHub({ bundle: h.bundle, vars: h.stack.vars, rateLimit: BENCH_RATE_LIMIT, consumers: false, name: "hub-no-consumers" });
    extra.push(routesOnly);
    const bareQueue = await startBareQueue();
    extra.push(bareQueue);
    const targets: Target[] = [
      { worker: routesOnly, route: WEBHOOK_PATH, requests: webhooks },
      { worker: bareQueue, route: "POST /", requests: async () => bareQueueRequests },
      { worker: h.bare, route: "GET /", requests: async () => bareRequests },
    ];
    for (const target of targets) await paced(target, 250, 1000);

    const rows: PacedRow[] = [];
    for (const rate of PACED_RATES) for (const target of targets) rows.push(await paced(target, rate, rate * PACED_SECONDS));
    rows.push(complete.withConsumers);
    report.record("paced", rows);
    const landed = await landedRows(h, nights.slice(0, END_TO_END.count));
    report.record("endToEnd", {
      ...END_TO_END,
      drainS: complete.drainS,
      cpuPerWebhookMs: complete.endToEndCpuMs,
      postgresCpuPerWebhookMs: complete.endToEndPostgresCpuMs,
      landed,
    });

    const at = (worker: string, rate: number) => rows.find((row) => row.worker === worker && row.rate === rate)!;
    const failed = (row: PacedRow) => row.sent - row.ok;
    const route1000 = at("hub-no-consumers", 1000);
    const cpuRatio = route1000.cpuPerRequestMs / at("bare", 1000).cpuPerRequestMs;
    report.print(
      [
        `### Evenly paced webhooks (open loop, ${PACED_SECONDS} s per phase, latency from each request's scheduled send time)`,
        pacedTable(rows),
        table(
          ["figure", "value", "target", "verdict"],
          [
            ...PACED_RATES.map((rate) => [`failed webhooks at ${rate}/s (app + emulator + no answer)`, failed(at("hub-no-consumers", rate)), "0", verdict(failed(at("hub-no-consumers", rate)) === 0)]),
            ["p99 at 1,000/s", `${fmt(route1000.p99Ms)} ms (bare ${fmt(at("bare", 1000).p99Ms)} ms, bare-queue ${fmt(at("bare-queue", 1000).p99Ms)} ms)`, `< ${TARGETS.p99Ms} ms`, verdict(route1000.p99Ms < TARGETS.p99Ms)],
            [
              "Worker CPU per webhook at 1,000/s: hub / bare",
              `${fmt(route1000.cpuPerRequestMs)} / ${fmt(at("bare", 1000).cpuPerRequestMs)} ms = ${fmt(cpuRatio)}× (hub / bare-queue = ${fmt(route1000.cpuPerRequestMs / at("bare-queue", 1000).cpuPerRequestMs)}×)`,
              `< ${TARGETS.cpuRatio}×`,
              verdict(cpuRatio < TARGETS.cpuRatio),
            ],
            [
              `hub CPU per webhook end to end (${END_TO_END.count} at ${END_TO_END.rate}/s, consumers on, until idle)`,
              `${fmt(complete.endToEndCpuMs)} ms = ${fmt(complete.endToEndCpuMs / at("bare", END_TO_END.rate).cpuPerRequestMs)}× bare (Postgres ${fmt(complete.endToEndPostgresCpuMs)} ms more); idle ${fmt(complete.drainS)} s after the last webhook`,
              "–",
              "–",
            ],
            ["nights sent to the complete hub with their sleep_daily row afterwards", `${landed.found} of ${landed.expected}`, "all", verdict(landed.found === landed.expected)],
          ],
        ),
      ].join("\n\n"),
    );

    const closed: ClosedRow[] = [];
    for (const connections of CLOSED_CONNECTIONS) {
      for (const target of targets) {
        // Enough distinct events for the hub; beyond that they come round again as redeliveries.
        const requests = await target.requests(3000 * CLOSED_SECONDS);
        closed.push(await closedPhase(target.worker, { route: target.route, requests, expect: OK, connections, durationS: CLOSED_SECONDS }));
      }
    }
    // Last, because the backlog it leaves would keep the consumers busy through any later phase.
    const complete1000 = await closedPhase(h.hub, {
      route: WEBHOOK_PATH,
      requests: await webhooks(3000 * CLOSED_SECONDS),
      expect: OK,
      connections: 1000,
      durationS: CLOSED_SECONDS,
    });
    closed.push({ ...complete1000, worker: "hub (consumers on)" });
    report.record("closed", closed);
    const ratios = CLOSED_CONNECTIONS.map((connections) => {
      const of = (worker: string) => closed.find((row) => row.connections === connections && row.worker === worker)!.requestsPerS;
      return `${connections} connections: hub/bare = ${fmt(of("hub-no-consumers") / of("bare"))}, hub/bare-queue = ${fmt(of("hub-no-consumers") / of("bare-queue"))}`;
    });
    report.print([`### Closed loop (autocannon, ${CLOSED_SECONDS} s per phase)`, closedTable(closed), `Throughput ratios: ${ratios.join("; ")}.`].join("\n\n"));
    const examples = failureExamples([...rows, ...closed]);
    if (examples.length) report.print(["Failure examples (first of each class per phase):", ...examples].join("\n"));
  } finally {
    for (const worker of extra) await worker.dispose();
    await h.stop();
    const stem = report.save();
    console.log(`results: ${stem}.json, ${stem}.md`);
  }
}

await main();
