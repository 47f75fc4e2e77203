// Where the hub's Worker CPU goes on a hot path: records a V8 CPU profile of the hub's workerd
// through its DevTools inspector while a closed loop runs, and prints the functions with the most
// self time (and the share of each bundled module). A profile tells what to cut; the ratios the
// targets are about come from bench:readiness and bench:ingest. `--route pipeline` profiles a
// webhook end to end instead: consumers on, webhooks evenly paced at `--rate`, the profile held until
// the hub is idle (route, ingest consumer, insights consumer, the user's Durable Object).
//
//   npm run bench:profile [-- --route readiness|webhook|pipeline --seconds 8 --users 20 --rate 40]
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { postgresAuth, startHarness, waitForQuietMachine, BENCH_RATE_LIMIT } from "./lib/harness";
import type { RequestTemplate } from "./lib/load";
import { connectOuraUser } from "./lib/oura-users";
import { nightsOf, signedSleepUpdates, WEBHOOK_PATH } from "./lib/oura-webhooks";
import { closedPhase, pacedPhase, settled } from "./lib/phases";
import { startCpuWindow } from "./lib/process-cpu";
import { seedHistoryUser } from "./lib/readiness-users";
import { outputStem, table } from "./lib/report";
import { fmt } from "./lib/stats";
import { startHub } from "./lib/workers";

const { values: args } = parseArgs({
  options: {
    route: { type: "string", default: "readiness" },
    seconds: { type: "string", default: "8" },
    users: { type: "string", default: "20" },
    rate: { type: "string", default: "40" },
    "wait-quiet": { type: "string", default: "30" },
    top: { type: "string", default: "30" },
    // The closed loop alone, without an inspector attached (whose console and sampling cost skew CPU/req).
    "no-profile": { type: "boolean", default: false },
  },
});
const INSPECTOR_PORT = 9329;
const CONNECTIONS = 100;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

/** A DevTools session on the hub's worker: send(method, params) answers the command's result. */
async function inspect(port: number): Promise<{ send(method: string, params?: object): Promise<Record<string, unknown>>; close(): void }> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string; title?: string; id?: string }[];
  const target = targets.find((t) => `${t.id}${t.title}`.includes("hub")) ?? targets[0];
  if (!target) throw new Error("the hub's inspector lists no target");
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  let nextId = 1;
  const waiting = new Map<number, (result: Record<string, unknown>) => void>();
  socket.on("message", (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: Record<string, unknown> };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result ?? {});
  });
  return {
    send: (method, params = {}) =>
      new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        socket.send(JSON.stringify({ id, method, params }));
      }),
    close: () => socket.close(),
  };
}

/** Self time per function and per bundled module, in ms of the sampled window. */
function summarize(profile: Profile, top: number): string {
  const intervalMs = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const hits = new Map<number, number>();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const count = hits.get(node.id) ?? 0;
    if (count === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)") continue;
    const file = url.split("/").pop() || "(native)";
    const key = `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + count);
    total += count;
  }
  const rows = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top);
  return table(
    ["function (self time)", "ms", "share of busy"],
    [["(all, idle excluded)", fmt(total * intervalMs), "100%"], ...rows.map(([key, count]) => [key, fmt(count * intervalMs), `${fmt((count / total) * 100)}%`])],
  );
}

async function main(): Promise<void> {
  await waitForQuietMachine(Number(args["wait-quiet"]));
  const h = await startHarness("profile", { timeLimitS: 300, postgresAuth: postgresAuth("password"), onTimeLimit: () => undefined });
  try {
    const users = Number(args.users);
    const today = new Date().toISOString().slice(0, 10);
    let requests: RequestTemplate[];
    const webhooks = args.route === "webhook" || args.route === "pipeline";
    if (webhooks) {
      const connected = await Promise.all(Array.from({ length: users }, (_, i) => connectOuraUser(h.stack, h.pool, { label: `profile-${i}`, nights: 30, endDate: today })));
      requests = await signedSleepUpdates(h.stack.vars.OURA_CLIENT_SECRET!, nightsOf(connected), 20_000);
    } else {
      const seeded = await Promise.all(Array.from({ length: users }, (_, i) => seedHistoryUser(h.pool, `bench|profile-${i}`, today, 60)));
      requests = await Promise.all(
        seeded.map(async (user) => ({
          method: "GET" as const,
          path: "/v1/me/readiness",
          headers: { authorization: `Bearer ${await h.stack.sims.idp.mint({ sub: user.subject, expSeconds: 3600 })}` },
        })),
      );
    }
    const pipeline = args.route === "pipeline";
    const hub = await startHub({ bundle: h.bundle, vars: h.stack.vars, rateLimit: BENCH_RATE_LIMIT, consumers: pipeline, name: "hub-profiled", inspectorPort: args["no-profile"] ? undefined : INSPECTOR_PORT });
    try {
      const route = webhooks ? WEBHOOK_PATH : "/v1/me/readiness";
      const seconds = Number(args.seconds);
      // The pipeline's warm-up and its profiled phase name different nights, so each event does the whole work.
      const [warmup, measured] = pipeline ? [requests.slice(0, 100), requests.slice(100)] : [requests, requests];
      if (pipeline) await pacedPhase(hub, { route, requests: warmup, expect: [200], rate: Number(args.rate), count: warmup.length });
      else await closedPhase(hub, { route, requests, expect: [200], connections: CONNECTIONS, durationS: 3 });
      await settled(hub);
      const session = args["no-profile"] ? undefined : await inspect(INSPECTOR_PORT);
      await session?.send("Profiler.enable");
      await session?.send("Profiler.setSamplingInterval", { interval: 200 });
      await session?.send("Profiler.start");
      let heading: string;
      if (pipeline) {
        const cpu = startCpuWindow(hub.pid);
        const count = Math.min(measured.length, Math.round(Number(args.rate) * seconds));
        const row = await pacedPhase(hub, { route, requests: measured, expect: [200], rate: Number(args.rate), count });
        await settled(hub);
        const window = cpu();
        heading = `${count} webhooks at ${args.rate}/s, profiled until the hub was idle: ${row.ok} ok, ${fmt((window.cpuS * 1000) / count)} ms workerd CPU and ${fmt((window.postgresCpuS * 1000) / count)} ms Postgres CPU per webhook end to end`;
      } else {
        const row = await closedPhase(hub, { route, requests, expect: [200], connections: CONNECTIONS, durationS: seconds });
        heading = `closed loop, ${CONNECTIONS} connections, ${seconds} s: ${fmt(row.requestsPerS)} req/s, ${fmt(row.cpuPerRequestMs)} ms workerd CPU/req, ${row.ok} ok`;
      }
      const profiled = (await session?.send("Profiler.stop")) as unknown as { profile: Profile } | undefined;
      session?.close();
      console.log(`## ${route}, ${heading} (${session ? "profiler on" : "no profiler"})`);
      if (profiled) {
        console.log(summarize(profiled.profile, Number(args.top)));
        // The whole profile, for Chrome DevTools' Performance panel (call trees, inclusive times).
        const file = `${outputStem(`profile-${args.route}`, new Date().toISOString())}.cpuprofile`;
        writeFileSync(file, JSON.stringify(profiled.profile));
        console.log(`profile: ${file}`);
      }
    } finally {
      await hub.dispose();
    }
  } finally {
    await h.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
