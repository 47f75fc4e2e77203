// A local stand-in for Neon's SQL-over-HTTP endpoint (`POST /sql`), the path the serverless driver's
// `neon()` function takes for one-shot statements: no WebSocket, no Postgres startup or
// authentication per request, because the endpoint keeps its own connections to the database — as
// Neon's proxy does. Local dev, tests and benchmarks only; DB_HTTP_PROXY points the hub at it.
//
// Wire format (what @neondatabase/serverless 1.x sends and reads): headers `Neon-Connection-String`,
// `Neon-Raw-Text-Output: true`, `Neon-Array-Mode: true`, and for a batch `Neon-Batch-Isolation-Level`,
// `Neon-Batch-Read-Only`, `Neon-Batch-Deferrable`; body `{query, params}` or `{queries: [...]}`
// (one transaction). Answer `{command, rowCount, rows, fields}` with every value as text, or
// `{results: [...]}`; a Postgres error is `400 {message, code, ...}`, anything else a 5xx.
//
// With a fault link (scripts/lib/faults.ts) each request crosses it once: refused while the database
// is down, one sampled round trip added, as a Worker's request to Neon crosses the distance once
// whatever the batch holds. Its own connections to Postgres go through a WebSocket proxy that shares
// the link's outages and dropped connections but not its distance (Neon's proxy sits by its compute).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Pool, PoolClient, QueryArrayConfig, QueryResult } from "@neondatabase/serverless";
import { z } from "zod";
import { readJson, sendJson } from "../sim/http";
import type { FaultLink } from "./faults";
import { nodePool } from "./node-db";

export interface NeonHttpStandIn {
  /** Value for DB_HTTP_PROXY (host:port). */
  address: string;
  stats(): { requests: number; statements: number; failures: number };
  close(): Promise<void>;
}

const statement = z.object({ query: z.string().min(1), params: z.array(z.unknown()).default([]) });
const body = z.union([statement, z.object({ queries: z.array(statement).min(1).max(1_000) })]);
type Statement = z.infer<typeof statement>;

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const ISOLATION = new Set(["ReadUncommitted", "ReadCommitted", "RepeatableRead", "Serializable"]);
// Postgres error fields the driver copies onto its NeonDbError.
const ERROR_FIELDS = ["severity", "code", "detail", "hint", "position", "internalPosition", "internalQuery", "where", "schema", "table", "column", "dataType", "constraint", "file", "line", "routine"] as const;
// Every value is returned as Postgres text; the driver parses it with the field's type id.
const rawText = { getTypeParser: () => (value: string) => value };

interface QueryAnswer {
  command: string;
  rowCount: number | null;
  rows: unknown[][];
  fields: { name: string; dataTypeID: number; tableID: number; columnID: number; dataTypeSize: number; dataTypeModifier: number; format: string }[];
  rowAsArray: true;
}

async function run(client: Pool | PoolClient, { query, params }: Statement): Promise<QueryAnswer> {
  const config: QueryArrayConfig = { text: query, values: params, rowMode: "array", types: rawText as QueryArrayConfig["types"] };
  const result: QueryResult<unknown[]> = await client.query(config);
  return {
    command: result.command,
    rowCount: result.rowCount,
    rows: result.rows,
    fields: result.fields.map((f) => ({
      name: f.name, dataTypeID: f.dataTypeID, tableID: f.tableID, columnID: f.columnID,
      dataTypeSize: f.dataTypeSize, dataTypeModifier: f.dataTypeModifier, format: "text",
    })),
    rowAsArray: true,
  };
}

function beginStatement(req: IncomingMessage): string {
  const isolation = String(req.headers["neon-batch-isolation-level"] ?? "");
  const parts = ["BEGIN"];
  if (ISOLATION.has(isolation)) parts.push(`ISOLATION LEVEL ${isolation.replace(/([a-z])([A-Z])/g, "$1 $2").toUpperCase()}`);
  if (req.headers["neon-batch-read-only"] === "true") parts.push("READ ONLY");
  if (req.headers["neon-batch-deferrable"] === "true") parts.push("DEFERRABLE");
  return parts.join(" ");
}

async function runBatch(pool: Pool, req: IncomingMessage, queries: Statement[]): Promise<{ results: QueryAnswer[] }> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(beginStatement(req));
    const results: QueryAnswer[] = [];
    try {
      for (const q of queries) results.push(await run(client, q));
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => (broken = true));
      throw error;
    }
    return { results };
  } catch (error) {
    broken ||= !isPostgresError(error);
    throw error;
  } finally {
    client.release(broken);
  }
}

function isPostgresError(error: unknown): error is Record<string, unknown> & { message: string } {
  return typeof error === "object" && error !== null && typeof (error as { code?: unknown }).code === "string"
    && /^[0-9A-Z]{5}$/.test((error as { code: string }).code);
}

/** Only loopback databases: the stand-in must never become a way out of the machine. */
function loopbackDatabase(connectionString: string): boolean {
  try {
    return ["127.0.0.1", "localhost", "[::1]"].includes(new URL(connectionString).hostname);
  } catch {
    return false;
  }
}

/**
 * How long a connection stays open unused. Neon's proxy keeps its SQL-over-HTTP connections in a pool
 * per endpoint for 5 minutes idle (its `sql_over_http_idle_timeout` default); pg's own default of 10 s
 * would start Postgres backends that a deployed hub's requests never pay for.
 */
const POOLED_IDLE_MS = 5 * 60_000;

export async function startNeonHttp(
  wsProxy: string,
  opts: { poolSize?: number; port?: number; verbose?: boolean; link?: FaultLink } = {},
): Promise<NeonHttpStandIn> {
  const pools = new Map<string, Pool>();
  const counts = { requests: 0, statements: 0, failures: 0 };
  const poolFor = (connectionString: string) => {
    let pool = pools.get(connectionString);
    if (!pool) {
      pool = nodePool(connectionString, wsProxy, opts.poolSize ?? 20, POOLED_IDLE_MS);
      pools.set(connectionString, pool);
    }
    return pool;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "POST" || !req.url?.startsWith("/sql")) return sendJson(res, 404, { message: "not found" });
    const connectionString = String(req.headers["neon-connection-string"] ?? "");
    if (!loopbackDatabase(connectionString)) return sendJson(res, 400, { message: "Neon-Connection-String must name a loopback database" });
    const parsed = body.safeParse(await readJson(req, MAX_BODY_BYTES));
    if (!parsed.success) return sendJson(res, 400, { message: `invalid request: ${parsed.error.issues[0]?.message ?? "body"}` });
    const { link } = opts;
    if (link && !link.admit()) return sendJson(res, 503, { message: "could not reach the database" });
    // The request's round trip: half on the way there, half on the way back.
    const halfTrip = () => (link ? new Promise((resolve) => setTimeout(resolve, link.roundTripMs() / 2)) : Promise.resolve());
    await halfTrip();
    counts.requests++;
    const [status, answer] = await execute(poolFor(connectionString), req, parsed.data);
    await halfTrip();
    sendJson(res, status, answer);
  };

  const execute = async (pool: Pool, req: IncomingMessage, request: z.infer<typeof body>): Promise<[number, unknown]> => {
    try {
      if ("queries" in request) {
        counts.statements += request.queries.length;
        return [200, await runBatch(pool, req, request.queries)];
      }
      counts.statements++;
      return [200, await run(pool, request)];
    } catch (error) {
      counts.failures++;
      if (isPostgresError(error)) {
        const fields = Object.fromEntries(ERROR_FIELDS.map((k) => [k, (error as Record<string, unknown>)[k]]));
        return [400, { message: error.message, ...fields }];
      }
      // The database could not be reached (outage, refused or dropped connection): as Neon's proxy
      // answers when the compute is unreachable. The cause is printed (driver messages carry no values).
      if (opts.verbose ?? true) console.warn(`[neon-http] 503: ${(error as Error).message?.slice(0, 160)}`);
      return [503, { message: "could not reach the database" }];
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 400, { message: "invalid request" });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    stats: () => ({ ...counts }),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.all([...pools.values()].map((p) => p.end().catch(() => undefined)));
    },
  };
}
