// Which statements a stretch of a run spent Postgres's time on (pg_stat_statements, loaded when the
// harness was started with `statements: true`). Time is the server's execution time, planning
// included: close to its CPU for data that fits in memory, as the benchmarks' does.
import type { Pool } from "@neondatabase/serverless";

export interface StatementCost {
  /** The statement's normalized text, shortened. */
  query: string;
  callsPerRequest: number;
  msPerRequest: number;
}

export async function resetStatements(pool: Pool): Promise<void> {
  await pool.query("SELECT pg_stat_statements_reset()");
}

/** Every statement since the last reset (first, as "all statements"), then the `limit` costliest, per request of `requests`. */
export async function topStatements(pool: Pool, requests: number, limit = 8): Promise<StatementCost[]> {
  const { rows } = await pool.query<{ query: string; calls: string; ms: number }>(
    `WITH s AS (
       SELECT regexp_replace(query, '\\s+', ' ', 'g') AS query, calls, total_exec_time + total_plan_time AS ms
       FROM pg_stat_statements
       WHERE query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%pg_stat_database%'
     )
     (SELECT 'all statements' AS query, coalesce(sum(calls), 0) AS calls, coalesce(sum(ms), 0) AS ms FROM s)
     UNION ALL
     (SELECT query, calls, ms FROM s ORDER BY ms DESC LIMIT $1)`,
    [limit],
  );
  const per = Math.max(1, requests);
  return rows.map((row) => ({
    query: row.query.length > 140 ? `${row.query.slice(0, 137)}…` : row.query,
    callsPerRequest: Number(row.calls) / per,
    msPerRequest: row.ms / per,
  }));
}
