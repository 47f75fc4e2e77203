// Everything a benchmark run needs, started together and stopped together: the local stack (real
// Postgres, the WebSocket proxy, the simulators), the hub and the bare Worker in their own Miniflare
// instances, and a Postgres pool for setup and polling. A run has a hard time limit.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Pool } from "@neondatabase/serverless";
import { nodePool } from "../../scripts/lib/node-db";
import { startPgPooler, type PgPooler } from "../../scripts/lib/pg-pooler";
import { useClearTextPasswords } from "../../scripts/lib/postgres";
import { startStack, type Stack } from "../../scripts/lib/stack";
import { machineBusyCores, setPostgresProcess, workerdChildren } from "./process-cpu";
import { buildHubBundle, startBare, startHub, type HubBundle, type RunningWorker } from "./workers";

export interface Harness {
  stack: Stack;
  /** The stack's vars as the hub got them (DATABASE_URL names the pooler when there is one). */
  hubVars: Record<string, string>;
  pooler?: PgPooler;
  bundle: HubBundle;
  pool: Pool;
  hub: RunningWorker;
  bare: RunningWorker;
  stop(): Promise<void>;
}

/** Rate-limit budget given to the hub's limiters for the run (see HubOptions.rateLimit). */
export const BENCH_RATE_LIMIT = 1_000_000_000;

/** The pooler's backends at most (Neon's pooled endpoint: 64 per user and database by default). */
const POOLER_BACKENDS = 40;

const ROOT = new URL("../../", import.meta.url).pathname;
const STOP_GRACE_MS = 20_000;

function postmasterPid(dataDir: string): number {
  return Number(readFileSync(join(dataDir, "pgdata", "postmaster.pid"), "utf8").split("\n")[0]);
}

/**
 * Other work on a shared machine skews every figure, so a run first waits (up to `maxWaitS`) for the
 * machine to be nearly idle. Returns the busy cores seen last, for the report.
 */
export async function waitForQuietMachine(maxWaitS: number, thresholdCores = 0.3): Promise<{ busyCores: number; waitedS: number }> {
  const t0 = performance.now();
  for (;;) {
    const busyCores = await machineBusyCores(2_000);
    const waitedS = (performance.now() - t0) / 1000;
    if (busyCores <= thresholdCores || waitedS >= maxWaitS) return { busyCores, waitedS };
  }
}

/**
 * How the Worker authenticates to Postgres. Neon's proxy takes the serverless driver's password in
 * clear text over TLS; a local cluster defaults to SCRAM, whose 4,096 PBKDF2 rounds the driver
 * computes in JavaScript (tens of ms of Worker CPU for every new connection, and the hub opens one
 * per request). `password` gives the Worker the production cost; `scram` keeps the local default.
 */
export type PostgresAuth = "password" | "scram";

export function postgresAuth(value: string | undefined): PostgresAuth {
  if (value === "password" || value === "scram") return value;
  throw new Error(`--postgres-auth must be password or scram, not ${value}`);
}

async function setPostgresAuth(stack: Stack, pool: Pool, auth: PostgresAuth): Promise<void> {
  if (auth === "scram") return;
  await useClearTextPasswords(stack.postgres, () => pool.query("SELECT pg_reload_conf()"));
}

export interface HarnessOptions {
  timeLimitS: number;
  postgresAuth: PostgresAuth;
  /**
   * The hub reaches Postgres through a session pooler (scripts/lib/pg-pooler.ts), as a deployed hub
   * reaches Neon's pooled endpoint: sessions borrow warm backends instead of starting new ones.
   */
  pooler?: boolean;
  /**
   * Postgres records each statement's calls and time (pg_stat_statements), so a run can say which
   * statements a route's Postgres time goes to. Off by default: it adds a little to every statement.
   */
  statements?: boolean;
  /** Called when the time limit stops the run, before the process exits (e.g. to save partial results). */
  onTimeLimit(): void;
}

export async function startHarness(name: string, opts: HarnessOptions): Promise<Harness> {
  const stack = await startStack({ dataDir: join(ROOT, ".data", `bench-${name}-${process.pid}`), fresh: true, ephemeral: true,
    postgresSettings: opts.statements ? ["shared_preload_libraries=pg_stat_statements", "pg_stat_statements.track=all", "pg_stat_statements.track_planning=on"] : [],
  });
  setPostgresProcess(postmasterPid(stack.postgres.dataDir));
  const started: { stop(): Promise<void> }[] = [{ stop: () => stack.stop() }];
  let bundle: HubBundle | undefined;
  const stop = async () => {
    for (const item of started.reverse()) await item.stop().catch((error) => console.error("stop failed:", error));
    started.length = 0;
    bundle?.remove();
  };
  // A run that hangs must still give the machine back (Postgres, workerd) within its time limit, even
  // when a stuck workerd keeps Miniflare from shutting down cleanly.
  const abandon = (reason: string, code: number) => {
    console.error(`${reason}: stopping`);
    const force = setTimeout(() => {
      for (const pid of workerdChildren()) process.kill(pid, "SIGKILL");
      stack.postgres.stop();
      process.exit(code);
    }, STOP_GRACE_MS);
    void stop().finally(() => {
      clearTimeout(force);
      process.exit(code);
    });
  };
  const watchdog = setTimeout(() => {
    opts.onTimeLimit();
    abandon(`time limit of ${opts.timeLimitS} s reached`, 2);
  }, opts.timeLimitS * 1000);
  watchdog.unref();
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => abandon(signal, 130));
  try {
    const pool = nodePool(stack.postgres.url, stack.proxy.address);
    started.push({ stop: () => pool.end() });
    await setPostgresAuth(stack, pool, opts.postgresAuth);
    if (opts.statements) await pool.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    let hubVars = stack.vars;
    let pooler: PgPooler | undefined;
    if (opts.pooler) {
      const direct = new URL(stack.postgres.url);
      pooler = await startPgPooler({ target: { host: direct.hostname, port: Number(direct.port) }, password: decodeURIComponent(direct.password), maxBackends: POOLER_BACKENDS });
      const running = pooler;
      started.push({ stop: () => running.close() });
      hubVars = { ...stack.vars, DATABASE_URL: Object.assign(direct, { port: String(pooler.port) }).toString() };
    }
    bundle = buildHubBundle();
    const hub = await startHub({ bundle, vars: hubVars, rateLimit: BENCH_RATE_LIMIT });
    started.push({ stop: () => hub.dispose() });
    const bare = await startBare();
    started.push({ stop: () => bare.dispose() });
    return {
      stack,
      hubVars,
      pooler,
      bundle,
      pool,
      hub,
      bare,
      stop: async () => {
        await stop();
        clearTimeout(watchdog);
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
