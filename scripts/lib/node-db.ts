// The Neon driver from plain Node, through a local WebSocket proxy (scripts, seeding, tests' setup,
// the Neon HTTP stand-in).
import { Client, neonConfig, Pool, type ClientConfig, type PoolConfig } from "@neondatabase/serverless";
import ws from "ws";
import type { SqlRunner } from "../../db/migrate";

/**
 * A pool whose clients reach Postgres through `wsProxy`. The proxy is set on each client, not on the
 * driver's global settings: one process may hold pools behind different proxies (the stack's two
 * database paths), and a global would send every pool through whichever was set last.
 */
export function nodePool(databaseUrl: string, wsProxy?: string, max = 4, idleTimeoutMillis?: number): Pool {
  neonConfig.webSocketConstructor = ws;
  const config: PoolConfig = { connectionString: databaseUrl, max, ...(idleTimeoutMillis === undefined ? {} : { idleTimeoutMillis }) };
  const pool = wsProxy ? proxiedPool(config, wsProxy) : new Pool(config);
  // An idle connection cut by the server (or a fault run) must not crash the process: the pool drops
  // it, and the next query that needs the database reports the failure.
  pool.on("error", () => undefined);
  return pool;
}

function proxiedPool(config: PoolConfig, wsProxy: string): Pool {
  class ProxiedClient extends Client {
    constructor(config?: string | ClientConfig) {
      super(config);
      this.neonConfig.wsProxy = (host, port) => `${wsProxy}/v2?address=${host}:${port}`;
      this.neonConfig.useSecureWebSocket = false;
      this.neonConfig.pipelineTLS = false;
      this.neonConfig.pipelineConnect = false; // required with scram auth
    }
  }
  class ProxiedPool extends Pool {
    constructor(config: PoolConfig) {
      super(config);
      (this as unknown as { Client: typeof Client }).Client = ProxiedClient;
    }
  }
  return new ProxiedPool(config);
}

/** A SqlRunner on one pooled client, so BEGIN/COMMIT and advisory locks stay on one session. */
export async function withRunner<T>(pool: Pool, fn: (runner: SqlRunner) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await fn({
      exec: async (sql) => {
        await client.query(sql);
      },
      query: async (sql, params) => (await client.query(sql, params as unknown[])).rows,
    });
  } finally {
    client.release();
  }
}
