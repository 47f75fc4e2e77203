// The Workers under test, each in its own Miniflare instance (so each has its own workerd process
// to measure): the hub, built exactly as it deploys (`wrangler deploy --dry-run`) with the bindings
// wrangler.toml gives it (queues, consumers, the Durable Object, rate limiters), and a bare Worker
// that answers 200 "ok", the floor of what this harness can serve.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare, type WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { IndexingLog, LogIndex } from "./failures";
import { workerdChildren } from "./process-cpu";

const ROOT = new URL("../../", import.meta.url).pathname;
const CONFIG_PATH = join(ROOT, "wrangler.toml");

export interface RunningWorker {
  name: string;
  origin: string;
  /** The workerd process serving this Worker (and nothing else). */
  pid: number;
  mf: Miniflare;
  logs: LogIndex;
  dispose(): Promise<void>;
}

export interface HubBundle {
  dir: string;
  /** The command that built it, for the report. */
  command: string;
  remove(): void;
}

export const BUILD_COMMAND = "node_modules/.bin/wrangler deploy --dry-run --env='' --outdir <tmp>";

/** Bundles the hub the way `wrangler deploy` would, into a temporary folder. */
export function buildHubBundle(): HubBundle {
  const dir = mkdtempSync(join(tmpdir(), "hub-bundle-"));
  execFileSync(join(ROOT, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--env=", "--outdir", dir], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return { dir, command: BUILD_COMMAND, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function bundleModules(dir: string): NonNullable<WorkerOptions["modules"]> {
  return readdirSync(dir)
    .filter((file) => /\.(m?js|wasm)$/.test(file))
    .sort((a, b) => (a === "index.js" ? -1 : b === "index.js" ? 1 : a.localeCompare(b)))
    .map((file) => ({ type: file.endsWith(".wasm") ? ("CompiledWasm" as const) : ("ESModule" as const), path: join(dir, file) }));
}

async function startInstance(name: string, worker: WorkerOptions, inspectorPort?: number): Promise<RunningWorker> {
  const before = workerdChildren();
  const logs = new LogIndex();
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    log: new IndexingLog(logs),
    // The dev server's per-request log line costs a loopback call per request: not the Worker's work.
    logRequests: false,
    // No request.cf download from the network: the fixed placeholder object.
    cf: false,
    handleStructuredLogs: ({ level, message }: { level: string; message: string }) => logs.add(level, message),
    workers: [{ name, ...worker } as WorkerOptions],
    ...(inspectorPort ? { inspectorPort } : {}),
  });
  const url = await mf.ready;
  const started = [...workerdChildren()].filter((pid) => !before.has(pid));
  if (started.length !== 1) throw new Error(`expected one new workerd process for ${name}, found ${started.length}`);
  return { name, origin: url.origin, pid: started[0]!, mf, logs, dispose: () => mf.dispose() };
}

export interface HubOptions {
  bundle: HubBundle;
  /** Worker vars and secrets (the stack's), on top of wrangler.toml's [vars]. */
  vars: Record<string, string>;
  /**
   * Rate-limit budget per key and period. The benchmark's load comes from one address and a few
   * users, so wrangler.toml's limits would measure the limiter's 429s, not the routes; the limiter
   * bindings stay in place (and are still called) with this limit instead.
   */
  rateLimit?: number;
  /** false: the queues keep their producers but nobody consumes (to measure the routes alone). */
  consumers?: boolean;
  /** false: no METRICS binding (the hub then collects no data points), to show what metrics cost. */
  metrics?: boolean;
  name?: string;
  /** Opens workerd's DevTools inspector on this port (bench/profile.ts records CPU profiles through it). */
  inspectorPort?: number;
}

export async function startHub(opts: HubOptions): Promise<RunningWorker> {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(CONFIG_PATH, "");
  const options = workerOptions as unknown as WorkerOptions;
  const limiters = (options.ratelimits ?? {}) as Record<string, { simple: { limit: number; period?: number } }>;
  const ratelimits = Object.fromEntries(
    Object.entries(limiters).map(([binding, limiter]) => [
      binding,
      opts.rateLimit === undefined ? limiter : { ...limiter, simple: { ...limiter.simple, limit: opts.rateLimit } },
    ]),
  );
  return startInstance(opts.name ?? "hub", {
    ...options,
    ...(opts.consumers === false ? { queueConsumers: {} } : {}),
    modulesRoot: opts.bundle.dir,
    modules: bundleModules(opts.bundle.dir),
    bindings: { ...options.bindings, ...opts.vars },
    ratelimits,
    // Deployed environments bind METRICS (wrangler.toml's top level does not): bind Miniflare's local
    // dataset so that every request pays for collecting and writing its data points, as in production.
    analyticsEngineDatasets: opts.metrics === false ? {} : { METRICS: { dataset: "hub_metrics_bench" } },
  } as WorkerOptions, opts.inspectorPort);
}

export const BARE_WORKER_SOURCE = 'export default { fetch() { return new Response("ok"); } };';

/** A one-script Worker with the hub's compatibility date and flags. */
function startScript(name: string, script: string, extra: Partial<WorkerOptions> = {}): Promise<RunningWorker> {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(CONFIG_PATH, "");
  return startInstance(name, {
    compatibilityDate: workerOptions.compatibilityDate,
    compatibilityFlags: workerOptions.compatibilityFlags,
    modules: true,
    script,
    ...extra,
  } as WorkerOptions);
}

export function startBare(): Promise<RunningWorker> {
  return startScript("bare", BARE_WORKER_SOURCE);
}

/** The bare Worker plus the one thing every webhook must do: `queue.send` (nobody consumes). */
export const BARE_QUEUE_WORKER_SOURCE =
  'export default { async fetch(request, env) { await env.QUEUE.send(JSON.parse(await request.text()), { contentType: "json" }); return new Response("ok"); } };';

export function startBareQueue(): Promise<RunningWorker> {
  return startScript("bare-queue", BARE_QUEUE_WORKER_SOURCE, { queueProducers: { QUEUE: { queueName: "bare-queue" } } } as Partial<WorkerOptions>);
}

/** The bare Worker that also accepts a WebSocket (and holds it open, silent): the floor for app sessions. */
export const BARE_LIVE_WORKER_SOURCE =
  'export default { fetch(request) { if (request.headers.get("upgrade") !== "websocket") return new Response("ok"); const [client, server] = Object.values(new WebSocketPair()); server.accept(); return new Response(null, { status: 101, webSocket: client }); } };';

export function startBareLive(): Promise<RunningWorker> {
  return startScript("bare", BARE_LIVE_WORKER_SOURCE);
}
