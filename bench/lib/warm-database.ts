// Under steady load a deployed hub finds its database connections warm: Neon's proxy keeps its
// SQL-over-HTTP connections pooled (5 minutes idle), and the pooled endpoint keeps its Postgres
// backends. A fresh local stack starts each connection the first time concurrency reaches it, and a
// new Postgres backend costs milliseconds of CPU (its start and its catalog caches), charged to
// whichever route first needed it. Opening them up front keeps that out of the per-route figures.
import { nodePool } from "../../scripts/lib/node-db";
import type { Harness } from "./harness";

const HOLD_MS = 300;

/** Opens `httpConnections` connections of the HTTP stand-in and `sessions` Worker-path sessions at once, then lets them go idle. */
export async function warmDatabasePaths(h: Harness, opts: { httpConnections: number; sessions: number }): Promise<void> {
  const url = h.hubVars.DATABASE_URL!;
  const hold = `SELECT pg_sleep(${HOLD_MS / 1000})`;
  await Promise.all(
    Array.from({ length: opts.httpConnections }, async () => {
      const response = await fetch(`http://${h.hubVars.DB_HTTP_PROXY}/sql`, {
        method: "POST",
        headers: { "content-type": "application/json", "neon-connection-string": url },
        body: JSON.stringify({ query: hold, params: [] }),
      });
      if (!response.ok) throw new Error(`warming the HTTP path: ${response.status} ${await response.text()}`);
    }),
  );
  const pool = nodePool(url, h.stack.proxy.address, opts.sessions);
  try {
    await Promise.all(Array.from({ length: opts.sessions }, () => pool.query(hold)));
  } finally {
    await pool.end();
  }
}
