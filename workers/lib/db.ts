// Postgres through the Neon serverless driver, two ways (docs/adr/0006):
// - one-shot statements go over Neon's SQL-over-HTTP endpoint (`neon()`): no WebSocket, no Postgres
//   startup or authentication per request, one round trip per statement, and no connection to hold;
// - `db.transaction` (and `pool`) open a WebSocket session on first use, for work that needs one
//   (row locks, several statements that read each other). A session lives for one request or one
//   queue batch (Workers must not share sockets across requests) and is closed with waitUntil.
// Every statement has a time budget; past it, or when the database cannot be reached, callers see
// DatabaseUnavailable, which the app answers with 503 DATABASE_UNAVAILABLE and Retry-After.
import { neon, neonConfig, Pool } from "@neondatabase/serverless";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle as drizzleHttp, type NeonHttpDatabase } from "drizzle-orm/neon-http";
import { drizzle as drizzleSession, type NeonDatabase } from "drizzle-orm/neon-serverless";
import * as schema from "../../db/schema";

export type Database = NeonDatabase<typeof schema>;

/** A statement for `DbHandle.batch`: a query builder or `db.execute(sql)`, not yet awaited. */
export type BatchStatement = BatchItem<"pg">;

export interface DbHandle {
  /** Statements over HTTP; `transaction()` runs on the handle's session. */
  db: Database;
  /**
   * Statements that need no answer in between, as one transaction: over HTTP a single round trip
   * (Neon's non-interactive transaction), without the HTTP path a session transaction. `build` makes
   * them on the database given; the answers come back in order.
   */
  batch(build: (db: Database) => BatchStatement[]): Promise<unknown[]>;
  /** The handle's WebSocket session pool, opened on first use. */
  readonly pool: Pool;
  /** Ends the session's connections, if any; pass to ctx.waitUntil. */
  close(): Promise<void>;
}

export interface DbConfig {
  DATABASE_URL: string;
  DB_WS_PROXY?: string;
  DB_HTTP_PROXY?: string;
  /** A number, or its text where a raw env is passed (tests, scripts). */
  DB_TIMEOUT_MS?: number | string;
}

/** Per statement, and for opening a session: past it the database counts as unavailable. */
export const DEFAULT_DB_TIMEOUT_MS = 2_500;
/** What a 503 for an unreachable database asks the client to wait. */
export const DATABASE_RETRY_AFTER_S = 5;

function timeoutMs(config: DbConfig): number {
  const value = Number(config.DB_TIMEOUT_MS ?? DEFAULT_DB_TIMEOUT_MS);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_DB_TIMEOUT_MS;
}

/**
 * Local stand-ins per database address ("host:port" of DATABASE_URL). The driver's settings are global
 * to the isolate, so two configurations in one isolate (the resilience tests' second path to the same
 * server, by another host name) must not overwrite each other's.
 */
const localPaths = new Map<string, { http?: string; ws?: string }>();
const addressOf = (host: string, port: string | number | undefined) => `${host}:${port || 5432}`;
/** Statement budget per HTTP endpoint (one endpoint in production; per local stand-in in tests). */
const budgets = new Map<string, number>();
let defaultBudget = DEFAULT_DB_TIMEOUT_MS;

function configureDriver(config: DbConfig, budget: number): void {
  defaultBudget = budget;
  neonConfig.fetchFunction = (input: RequestInfo, init?: RequestInit) =>
    fetch(input, { ...init, signal: AbortSignal.timeout(budgets.get(String(input)) ?? defaultBudget) });
  // Local Postgres: Neon's HTTP endpoint and WebSocket proxy are stand-ins on this machine
  // (scripts/lib/neon-http.ts, ws-proxy.ts). Production derives both from the database host.
  if (!config.DB_WS_PROXY && !config.DB_HTTP_PROXY) return;
  const url = new URL(config.DATABASE_URL);
  localPaths.set(addressOf(url.hostname, url.port), { http: config.DB_HTTP_PROXY, ws: config.DB_WS_PROXY });
  if (config.DB_HTTP_PROXY) budgets.set(`http://${config.DB_HTTP_PROXY}/sql`, budget);
  neonConfig.fetchEndpoint = (host, port) => `http://${localPaths.get(addressOf(host, port))?.http}/sql`;
  if (!config.DB_WS_PROXY) return;
  neonConfig.wsProxy = (host, port) => `${localPaths.get(addressOf(host, port))?.ws}/v2?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false; // scram auth needs the server's answer before the password
}

/** A local proxy without the HTTP stand-in: sessions only (the endpoint the driver would derive does not exist). */
function httpAvailable(config: DbConfig): boolean {
  return !config.DB_WS_PROXY || Boolean(config.DB_HTTP_PROXY);
}

/**
 * The HTTP database per connection string, built once per isolate: it holds no socket (each statement
 * is its own fetch, made in the calling request), and building drizzle's schema mapping on every
 * request was work repeated for nothing.
 */
const httpDatabases = new Map<string, Database>();
function httpDatabase(url: string): Database {
  let db = httpDatabases.get(url);
  if (!db) {
    db = drizzleHttp({ client: neon(url), schema }) as unknown as Database;
    httpDatabases.set(url, db);
  }
  return db;
}

export function openDb(config: DbConfig): DbHandle {
  const budget = timeoutMs(config);
  configureDriver(config, budget);
  let pool: Pool | undefined;
  let sessionDb: Database | undefined;
  const openPool = () => {
    if (pool) return pool;
    pool = new Pool({ connectionString: config.DATABASE_URL, max: 5, connectionTimeoutMillis: budget, query_timeout: budget });
    // An idle client's socket error must not crash the isolate; the next query reports it.
    pool.on("error", () => undefined);
    return pool;
  };
  const session = () => (sessionDb ??= drizzleSession({ client: openPool(), schema }));
  let db: Database;
  let batch: DbHandle["batch"];
  if (httpAvailable(config)) {
    const http = httpDatabase(config.DATABASE_URL);
    // Every builder and execute() of the HTTP database, but transactions on the session: the HTTP
    // path has only non-interactive batches.
    db = Object.assign(Object.create(http) as Database, {
      transaction: ((work, options) => session().transaction(work, options)) satisfies Database["transaction"],
    });
    batch = async (build) => {
      const statements = build(http);
      if (statements.length === 0) return [];
      return (http as unknown as NeonHttpDatabase<typeof schema>).batch(statements as [BatchStatement, ...BatchStatement[]]);
    };
  } else {
    db = session();
    batch = (build) =>
      session().transaction(async (tx) => {
        const answers: unknown[] = [];
        for (const statement of build(tx as unknown as Database)) answers.push(await statement);
        return answers;
      });
  }
  let closed = false;
  return {
    db,
    batch,
    get pool() {
      return openPool();
    },
    close: async () => {
      if (closed || !pool) return;
      closed = true;
      await pool.end().catch(() => undefined);
    },
  };
}

/** The database could not be reached, or did not answer within its budget. */
export class DatabaseUnavailable extends Error {
  override name = "DatabaseUnavailable";
}

// SQLSTATE classes that mean "not now" rather than "wrong": connection exceptions, insufficient
// resources (too many connections), operator intervention (shutdown, cannot connect now), and
// statement timeouts.
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0)|^57014$/;
const UNAVAILABLE_MESSAGE = /Error connecting to database|HTTP status 5\d\d|Connection terminated|timeout exceeded|Query read timeout|ECONNREFUSED|WebSocket|Network connection lost|The operation was aborted|signal timed out|Client has encountered a connection error|Cannot use a pool after calling end/i;

/** Whether an error (or its cause) is Postgres's serialization_failure: what was read changed; read again and retry. */
export function isSerializationFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if ((e as { code?: unknown }).code === "40001") return true;
  }
  return false;
}

/** Whether an error (or its cause, as drizzle wraps driver errors) says the database is unreachable. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof DatabaseUnavailable) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && UNAVAILABLE_SQLSTATE.test(code)) return true;
    if (e.name === "TimeoutError" || e.name === "AbortError") return true;
    if (UNAVAILABLE_MESSAGE.test(e.message)) return true;
  }
  return false;
}
