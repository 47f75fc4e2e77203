// Faults under load (docs/resilience.md): for each fault, signed Oura webhooks for new nights and app
// reads run evenly paced while the fault lasts; then the run waits for the pipeline to settle and
// counts what went in (webhooks answered 2xx) against what came out (daily rows equal to the
// simulator's documents), doubled rows, dead letters and the time to recover.
//
//   npm run chaos [-- --outage-seconds 30 --seconds 15 --users 12 --webhook-rate 30 --read-rate 20]
//
// Postgres sits 5–15 ms away (the fault link on the database path), as a Worker sees Neon.
import { parseArgs } from "node:util";
import { describeEnvironment } from "./lib/environment";
import { startHarness, type Harness } from "./lib/harness";
import { ledger, truthKey, waitForLedger, type LedgerCounts, type Truth } from "./lib/chaos-ledger";
import { pace, statusCounts, type Sent } from "./lib/chaos-sender";
import type { RequestTemplate } from "./lib/load";
import { connectOuraUser, type ConnectedOuraUser } from "./lib/oura-users";
import { nightsOf, signedSleepUpdates, type OuraNightRef } from "./lib/oura-webhooks";
import { Report, table } from "./lib/report";
import { fmt, summarize } from "./lib/stats";

const { values: args } = parseArgs({
  options: {
    "outage-seconds": { type: "string", default: "30" },
    seconds: { type: "string", default: "15" },
    users: { type: "string", default: "12" },
    "webhook-rate": { type: "string", default: "30" },
    "read-rate": { type: "string", default: "20" },
    "settle-seconds": { type: "string", default: "150" },
  },
});
const USERS = Number(args.users);
const WEBHOOK_RATE = Number(args["webhook-rate"]);
const READ_RATE = Number(args["read-rate"]);
const SETTLE_S = Number(args["settle-seconds"]);
const NIGHTS = 40;
const POSTGRES_DISTANCE_MS: [number, number] = [5, 15];

const argv = process.argv.slice(2).join(" ");
const report = new Report("chaos", describeEnvironment(`npm run chaos${argv ? ` -- ${argv}` : ""}`));
const today = new Date().toISOString().slice(0, 10);

interface Cohort {
  users: ConnectedOuraUser[];
  auth: Map<string, string>;
  truth: Truth;
  /** Nights delivered before the fault (the caches are warm for them); the others arrive during it. */
  before: OuraNightRef[];
  during: OuraNightRef[];
}

async function cohort(h: Harness, label: string): Promise<Cohort> {
  const users: ConnectedOuraUser[] = [];
  for (let i = 0; i < USERS; i++) users.push(await connectOuraUser(h.stack, h.pool, { label: `${label}${i}`, nights: NIGHTS, endDate: today }));
  const auth = new Map<string, string>();
  for (const user of users) auth.set(user.userId, `Bearer ${await h.stack.sims.idp.mint({ sub: `bench|${user.vendorUserId}` })}`);
  const truth: Truth = new Map(users.flatMap((u) => u.nights.map((n) => [truthKey(u.userId, n.day), n.total_sleep_duration] as const)));
  // Every user's nights alternate: odd ones before the fault, even ones (the newest included) during it.
  const nights = nightsOf(users);
  const nth = new Map<string, number>();
  const position = nights.map((n) => {
    const i = nth.get(n.userId) ?? 0;
    nth.set(n.userId, i + 1);
    return i;
  });
  return { users, auth, truth, before: nights.filter((_, i) => position[i]! % 2 === 1), during: nights.filter((_, i) => position[i]! % 2 === 0) };
}

const get = (path: string, authorization: string): RequestTemplate => ({ method: "GET", path, headers: { authorization } });

/** Delivers the `before` nights and waits until every user's readiness is served (rows stored, caches warm). */
async function warm(h: Harness, c: Cohort): Promise<void> {
  const hooks = await signedSleepUpdates(h.stack.vars.OURA_CLIENT_SECRET!, c.before, c.before.length);
  await pace(h.hub.origin, hooks, 100, hooks.length / 100);
  await waitForLedger(h.pool, c.before, c.truth, 120);
  for (const user of c.users) {
    for (let tries = 0; ; tries++) {
      const res = await fetch(`${h.hub.origin}/v1/me/readiness`, { headers: { authorization: c.auth.get(user.userId)! } });
      await res.arrayBuffer();
      if (res.status === 200) break;
      if (tries > 120) throw new Error(`readiness of a warmed user still ${res.status}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

interface FaultRun {
  webhooks: Sent[];
  cached: Sent[];
  uncached: Sent[];
  accepted: OuraNightRef[];
}

/** Webhooks for the `during` nights (`copies` times each, shuffled), cached and uncached reads, for `seconds`. */
async function loadDuring(h: Harness, c: Cohort, seconds: number, copies = 1): Promise<FaultRun> {
  const nights = Array.from({ length: copies }, () => c.during).flat().sort(() => Math.random() - 0.5);
  const count = Math.min(nights.length, Math.round(WEBHOOK_RATE * seconds));
  const hooks = await signedSleepUpdates(h.stack.vars.OURA_CLIENT_SECRET!, nights, count);
  const users = c.users.map((u) => c.auth.get(u.userId)!);
  const from = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
  const [webhooks, cached, uncached] = await Promise.all([
    pace(h.hub.origin, hooks, count / seconds, seconds),
    pace(h.hub.origin, users.map((a) => get("/v1/me/readiness", a)), READ_RATE, seconds),
    pace(h.hub.origin, users.map((a) => get(`/v1/me/hrv?from=${from}&to=${today}`, a)), READ_RATE / 2, seconds),
  ]);
  // The webhook route only enqueues, so every webhook should be answered 2xx; a refused one is
  // counted among the sent nights (the vendor would retry it), and the report shows webhooks 2xx/sent.
  return { webhooks, cached, uncached, accepted: nights.slice(0, count) };
}

const ok = (sent: Sent[]) => sent.filter((s) => s.status !== null && s.status < 300).length;
const p99 = (sent: Sent[]) => fmt(summarize(sent.map((s) => s.ms)).p99);

interface Fault {
  name: string;
  promise: string;
  seconds: number;
  copies?: number;
  start(h: Harness, c: Cohort): Promise<void>;
  end(h: Harness): Promise<void>;
}

const SECONDS = Number(args.seconds);
const FAULTS: Fault[] = [
  {
    name: `Postgres down ${args["outage-seconds"]} s`,
    promise: "webhooks 2xx; cached readiness 200; uncached 503 at once; all rows after recovery",
    seconds: Number(args["outage-seconds"]),
    start: async (h) => void h.stack.faults.postgres.outage(Number(args["outage-seconds"])),
    end: async (h) => void h.stack.faults.postgres.restore(),
  },
  {
    name: "Postgres +500 ms per round trip",
    promise: "answers within the statement budget (2.5 s) or 503; backlog drains",
    seconds: SECONDS,
    start: async (h) => void h.stack.faults.postgres.set({ latencyMs: [500, 500] }),
    end: async (h) => void h.stack.faults.postgres.set({ latencyMs: POSTGRES_DISTANCE_MS }),
  },
  {
    name: "connections exhausted (role limit reached)",
    promise: "clear 503s, no crash, recovery",
    seconds: SECONDS,
    start: async (h) => {
      const open = await h.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = current_user");
      await h.pool.query(`ALTER ROLE CURRENT_USER CONNECTION LIMIT ${open.rows[0]!.n}`);
    },
    end: async (h) => void (await h.pool.query("ALTER ROLE CURRENT_USER CONNECTION LIMIT -1")),
  },
  {
    name: "Oura 429 (Retry-After 2 s) and 503 bursts",
    promise: "retries honour the vendor's wait; nothing dead-lettered or lost",
    seconds: SECONDS,
    start: async (h, c) => {
      c.users.forEach((u, i) => h.stack.sims.oura.failNext(4, i % 2 ? 429 : 503, i % 2 ? 2 : undefined, u.vendorUserId));
    },
    end: async () => undefined,
  },
  {
    name: "every webhook twice, out of order",
    promise: "final rows equal the simulator's; 0 doubled",
    seconds: SECONDS,
    copies: 2,
    start: async () => undefined,
    end: async () => undefined,
  },
];

const rows: (string | number)[][] = [];
const h = await startHarness("chaos", { timeLimitS: 1_800, postgresAuth: "password", onTimeLimit: () => report.save() });
try {
  h.stack.faults.postgres.set({ latencyMs: POSTGRES_DISTANCE_MS });
  report.print(`Postgres distance ${POSTGRES_DISTANCE_MS.join("–")} ms per round trip; ${USERS} users a fault, webhooks ${WEBHOOK_RATE}/s, reads ${READ_RATE}/s cached + ${READ_RATE / 2}/s uncached.`);
  for (const [i, fault] of FAULTS.entries()) {
    const c = await cohort(h, `f${i}`);
    await warm(h, c);
    await fault.start(h, c);
    const run = await loadDuring(h, c, fault.seconds, fault.copies);
    await fault.end(h);
    const settled = await waitForLedger(h.pool, run.accepted, c.truth, SETTLE_S);
    // A moment more for late retries: a doubled row would show now.
    await new Promise((r) => setTimeout(r, 3_000));
    const counts: LedgerCounts = await ledger(h.pool, run.accepted, c.truth);
    rows.push([
      fault.name, `${ok(run.webhooks)}/${run.webhooks.length}`, counts.nightsIn, counts.rowsOut, counts.nightsIn - counts.rowsOut,
      counts.doubled + counts.wrong, counts.deadLetters, fmt(settled.seconds), statusCounts(run.cached), statusCounts(run.uncached), p99(run.uncached),
    ]);
    report.record(fault.name, { counts, settledS: settled.seconds, webhooks: statusCounts(run.webhooks), cached: statusCounts(run.cached), uncached: statusCounts(run.uncached) });
    report.print(`${fault.name} — promise: ${fault.promise}\n  webhooks ${statusCounts(run.webhooks)}; cached readiness ${statusCounts(run.cached)}; uncached hrv ${statusCounts(run.uncached)} (p99 ${p99(run.uncached)} ms); settled ${fmt(settled.seconds)} s after the fault`);
  }
  report.print(table(
    ["fault", "webhooks 2xx/sent", "nights in", "rows out", "lost", "doubled/wrong", "dead letters", "settled s", "cached readiness", "uncached hrv", "uncached p99 ms"],
    rows,
  ));
} finally {
  report.save();
  await h.stop();
}
