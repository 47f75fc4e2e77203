// Postgres through the Neon serverless driver. A Pool lives for one request or one queue batch
// (Workers must not share sockets across requests) and is closed with waitUntil.
import { neonConfig, Pool } from "@neondatabase/serverless";
import { drizzle, type NeonDatabase } from "drizzle-orm/neon-serverless";
import * as schema from "../../db/schema";

export type Database = NeonDatabase<typeof schema>;

export interface DbHandle {
  db: Database;
  pool: Pool;
  /** Ends the pool's connections; pass to ctx.waitUntil. */
  close(): Promise<void>;
}

export interface DbConfig {
  DATABASE_URL: string;
  DB_WS_PROXY?: string;
}

function configureDriver(wsProxy: string | undefined): void {
  if (!wsProxy) return;
  // Local Postgres behind scripts/lib/ws-proxy.ts: plain ws, and no pipelining (scram auth needs the
  // server's answer before the password message).
  neonConfig.wsProxy = (host, port) => `${wsProxy}/v2?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
}

export function openDb(config: DbConfig): DbHandle {
  configureDriver(config.DB_WS_PROXY);
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 5, connectionTimeoutMillis: 5_000 });
  // An idle client's socket error must not crash the isolate; the next query reports it.
  pool.on("error", () => undefined);
  let closed = false;
  return {
    db: drizzle({ client: pool, schema }),
    pool,
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end().catch(() => undefined);
    },
  };
}
