// The Neon driver from plain Node, through the local WebSocket proxy (scripts, seeding, tests' setup).
import { neonConfig, Pool } from "@neondatabase/serverless";
import ws from "ws";
import type { SqlRunner } from "../../db/migrate";

export function nodePool(databaseUrl: string, wsProxy?: string, max = 4): Pool {
  neonConfig.webSocketConstructor = ws;
  if (wsProxy) {
    neonConfig.wsProxy = (host, port) => `${wsProxy}/v2?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false; // required with scram auth
  }
  return new Pool({ connectionString: databaseUrl, max });
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
