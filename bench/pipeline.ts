// Issue 9: how fast the ingest pipeline drains with realistic distance. Signed Oura sleep webhooks are
// sent faster than the target rate; each is queued, consumed (vendor fetch 100–300 ms, upserts over a
// Postgres link of 5–15 ms per round trip) and recomputed. Reported: webhooks accepted, events stored,
// the drain rate from the first webhook to the last stored event, and the steady rate in between.
//
//   npm run bench:pipeline [-- --webhooks 1500 --rate 500 --users 60 --no-latency --wait-quiet 30]
import { parseArgs } from "node:util";
import { describeEnvironment } from "./lib/environment";
import { startHarness, waitForQuietMachine } from "./lib/harness";
import { connectOuraUser } from "./lib/oura-users";
import { nightsOf, signedSleepUpdates } from "./lib/oura-webhooks";
import { pacedPhase, settled } from "./lib/phases";
import { startCpuWindow } from "./lib/process-cpu";
import { Report, table, verdict } from "./lib/report";
import { fmt } from "./lib/stats";

const { values: args } = parseArgs({
  options: {
    webhooks: { type: "string", default: "1500" },
    rate: { type: "string", default: "500" },
    users: { type: "string", default: "60" },
    "no-latency": { type: "boolean", default: false },
    "wait-quiet": { type: "string", default: "30" },
  },
});
const WEBHOOKS = Number(args.webhooks);
const RATE = Number(args.rate);
const USERS = Number(args.users);
const NIGHTS_PER_USER = Math.ceil(WEBHOOKS / USERS);
const TARGET_PER_S = 300;
const DRAIN_TIMEOUT_MS = 300_000;
const VENDOR_LATENCY_MS = { minMs: 100, maxMs: 300 };
const POSTGRES_LATENCY_MS: [number, number] = [5, 15];

const argv = process.argv.slice(2).join(" ");
const report = new Report("pipeline", describeEnvironment(`npm run bench:pipeline${argv ? ` -- ${argv}` : ""}`));
const today = new Date().toISOString().slice(0, 10);

async function storedSince(h: Awaited<ReturnType<typeof startHarness>>, since: Date): Promise<number> {
  const { rows } = await h.pool.query<{ n: string }>("SELECT count(*) AS n FROM webhook_events WHERE vendor = 'oura' AND received_at >= $1", [since]);
  return Number(rows[0]!.n);
}

async function main(): Promise<void> {
  const quiet = await waitForQuietMachine(Number(args["wait-quiet"]));
  report.print(`Machine before the run: ${fmt(quiet.busyCores)} cores busy with other work (waited ${fmt(quiet.waitedS)} s for quiet).`);
  const h = await startHarness("pipeline", { timeLimitS: 900, postgresAuth: "password", pooler: true, onTimeLimit: () => report.save() });
  try {
    const users = await Promise.all(
      Array.from({ length: USERS }, (_, i) => connectOuraUser(h.stack, h.pool, { label: `drain${i}`, nights: NIGHTS_PER_USER, endDate: today })),
    );
    const nights = nightsOf(users);
    if (!args["no-latency"]) {
      h.stack.sims.oura.network.setLatency(VENDOR_LATENCY_MS);
      h.stack.faults.postgres.set({ latencyMs: POSTGRES_LATENCY_MS });
    }
    report.print(
      [
        `Hub: the \`wrangler deploy --dry-run\` bundle with wrangler.toml's queues and consumers (ingest batches of up to 25; a batch's messages 5 at once, each reading its vendor document before the write lock: workers/normalize/consumer.ts INGEST_MESSAGES_AT_ONCE), sessions through the pooled endpoint stand-in.`,
        `Setup: ${USERS} connected Oura users, ${nights.length} sleep documents in the simulator; ${WEBHOOKS} signed \`sleep update\` webhooks, each a distinct night, sent evenly at ${RATE}/s.`,
        `Injected latency: ${args["no-latency"] ? "none (--no-latency)" : `Oura simulator ${VENDOR_LATENCY_MS.minMs}–${VENDOR_LATENCY_MS.maxMs} ms per request, Postgres ${POSTGRES_LATENCY_MS[0]}–${POSTGRES_LATENCY_MS[1]} ms per round trip`}.`,
      ].join("\n"),
    );
    await settled(h.hub);
    const requests = await signedSleepUpdates(h.stack.vars.OURA_CLIENT_SECRET!, nights, WEBHOOKS);
    const since = new Date((await h.pool.query<{ now: Date }>("SELECT now()")).rows[0]!.now);
    const t0 = performance.now();
    const cpu = startCpuWindow(h.hub.pid);
    const sent = await pacedPhase(h.hub, { route: "POST /webhooks/oura", requests, expect: [200], rate: RATE, count: WEBHOOKS });
    const sentS = (performance.now() - t0) / 1000;
    // Stored count over time: the steady rate is read between 20% and 80% of the accepted webhooks.
    const marks: { s: number; stored: number }[] = [];
    for (;;) {
      const stored = await storedSince(h, since);
      marks.push({ s: (performance.now() - t0) / 1000, stored });
      if (stored >= sent.ok || performance.now() - t0 > DRAIN_TIMEOUT_MS) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const window = cpu();
    const last = marks[marks.length - 1]!;
    const firstAt = (share: number) => marks.find((m) => m.stored >= share * sent.ok);
    const [from, to] = [firstAt(0.2), firstAt(0.8)];
    const steady = from && to && to.s > from.s ? (to.stored - from.stored) / (to.s - from.s) : NaN;
    const drainRate = last.stored / last.s;
    const deadLetters = Number((await h.pool.query<{ n: string }>("SELECT count(*) AS n FROM dead_letters")).rows[0]!.n);
    report.record("pipeline", { sent, sentS, marks, steady, drainRate, deadLetters });
    report.print(
      [
        `### Drain (from the first webhook sent)`,
        table(
          ["webhooks sent", "accepted (200)", "sent in s", "events stored", "all stored after s", "drain rate /s", "steady rate /s (20–80%)", "dead letters", "workerd CPU/event ms", "Postgres CPU/event ms", `target ≥ ${TARGET_PER_S}/s`],
          [[
            sent.sent, sent.ok, fmt(sentS), last.stored, last.stored >= sent.ok ? fmt(last.s) : `not within ${DRAIN_TIMEOUT_MS / 1000}`,
            fmt(drainRate), fmt(steady), deadLetters, fmt((window.cpuS * 1000) / Math.max(1, last.stored)), fmt((window.postgresCpuS * 1000) / Math.max(1, last.stored)),
            verdict(last.stored >= sent.ok && drainRate >= TARGET_PER_S),
          ]],
        ),
        `Other load on the machine during the run: ${fmt(window.otherBusyCores)} cores; workerd ${fmt(window.cpuS / window.wallS)} cores, Postgres ${fmt(window.postgresCpuS / window.wallS)} cores.`,
      ].join("\n\n"),
    );
  } finally {
    await h.stop();
    const stem = report.save();
    console.log(`results: ${stem}.json, ${stem}.md`);
  }
}

await main();
