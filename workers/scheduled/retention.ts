// Retention policy, in one place, applied by the daily cron. Each rule names a table, the column that
// ages its rows and how long they are kept. TimescaleDB hypertables lose whole chunks with
// drop_chunks (cheap, no dead tuples); the rows of the boundary chunk, and plain tables everywhere,
// are deleted in bounded batches so the job never holds long locks.
//
// The audit log is not here on purpose: it is append-only (database triggers), holds pseudonyms and
// no biometric values, and outlives erasures by design.
import type { Pool } from "@neondatabase/serverless";
import type { SqlRunner } from "../../db/migrate";
import { createLogger } from "../lib/logger";

export interface RetentionRule {
  table: string;
  /** A `date` or `timestamptz` column: rows older than `keep` before now go. */
  column: string;
  /** A Postgres interval. */
  keep: string;
}

export const RETENTION_POLICY: readonly RetentionRule[] = [
  { table: "webhook_events", column: "received_at", keep: "30 days" },
  { table: "dead_letters", column: "received_at", keep: "90 days" },
  { table: "sleep_daily", column: "date", keep: "2 years" },
  { table: "hrv_daily", column: "date", keep: "2 years" },
  { table: "sleep_sessions", column: "date", keep: "2 years" },
  { table: "daily_signals", column: "date", keep: "2 years" },
  { table: "workouts", column: "date", keep: "2 years" },
  { table: "vendor_records", column: "fetched_at", keep: "2 years" },
  { table: "phone_samples", column: "start_at", keep: "2 years" },
  { table: "readiness_snapshots", column: "date", keep: "1 year" },
  // Weekly summaries of the daily rows: kept as long as the rows they summarize.
  { table: "trends_weekly", column: "week_start", keep: "2 years" },
  // Unused OAuth states are worthless once expired; a day's grace keeps them for debugging a flow.
  { table: "oauth_states", column: "expires_at", keep: "1 day" },
  // Consents nobody completed within ten minutes: their tokens were never attached to anyone.
  { table: "pending_connections", column: "expires_at", keep: "1 day" },
];

const DELETE_BATCH = 5_000;

type Runner = Pick<SqlRunner, "query">;

/** Applies the policy; resolves with rows deleted per table (and `<table>:chunks` dropped). */
export async function applyRetention(pool: Pool, now = new Date(), policy: readonly RetentionRule[] = RETENTION_POLICY): Promise<Record<string, number>> {
  const runner: Runner = { query: async (text, params) => (await pool.query(text, params)).rows };
  const counts = await applyRetentionWith(runner, now, policy);
  const log = createLogger({ component: "retention" });
  for (const [table, deleted] of Object.entries(counts)) if (deleted > 0) log.info("retention_deleted", { table, deleted });
  return counts;
}

/** The policy over any SQL runner (the Worker's pool, or a test database). */
export async function applyRetentionWith(db: Runner, now: Date, policy: readonly RetentionRule[]): Promise<Record<string, number>> {
  const hypertables = await hypertableNames(db);
  const counts: Record<string, number> = {};
  for (const rule of policy) {
    const cutoff = await cutoffFor(db, rule, now);
    if (hypertables.has(rule.table)) {
      counts[`${rule.table}:chunks`] = await dropChunks(db, rule, cutoff);
      counts[rule.table] = await deleteOlder(db, rule, cutoff, false);
    } else {
      counts[rule.table] = await deleteOlder(db, rule, cutoff, true);
    }
  }
  return counts;
}

async function hypertableNames(db: Runner): Promise<Set<string>> {
  const [extension] = await db.query<{ present: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS present",
  );
  if (!extension?.present) return new Set();
  const rows = await db.query<{ hypertable_name: string }>(
    "SELECT hypertable_name FROM timescaledb_information.hypertables WHERE hypertable_schema = 'public'",
  );
  return new Set(rows.map((row) => row.hypertable_name));
}

interface Cutoff {
  /** The cutoff as text in the column's own type. */
  value: string;
  type: "date" | "timestamptz";
}

async function cutoffFor(db: Runner, rule: RetentionRule, now: Date): Promise<Cutoff> {
  const [column] = await db.query<{ data_type: string }>(
    "SELECT data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 AND column_name = $2",
    [rule.table, rule.column],
  );
  if (!column) throw new Error(`retention: ${rule.table}.${rule.column} does not exist`);
  const type = column.data_type === "date" ? "date" : "timestamptz";
  // Dates age in UTC, whatever the session's time zone.
  const [row] = await db.query<{ value: string }>(
    type === "date"
      ? "SELECT (($1::timestamptz - $2::interval) AT TIME ZONE 'UTC')::date::text AS value"
      : "SELECT to_char(($1::timestamptz - $2::interval) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS value",
    [now.toISOString(), rule.keep],
  );
  return { value: row!.value, type };
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function dropChunks(db: Runner, rule: RetentionRule, cutoff: Cutoff): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM drop_chunks($1::regclass, older_than => $2::${cutoff.type})`,
    [`public.${ident(rule.table)}`, cutoff.value],
  );
  return row?.n ?? 0;
}

/** Deletes rows older than the cutoff; in batches on plain tables (ctid is unique only within one). */
async function deleteOlder(db: Runner, rule: RetentionRule, cutoff: Cutoff, batched: boolean): Promise<number> {
  const table = ident(rule.table);
  const older = `${ident(rule.column)} < $1::${cutoff.type}`;
  const statement = batched
    ? `WITH doomed AS (SELECT ctid FROM ${table} WHERE ${older} LIMIT ${DELETE_BATCH}),
            gone AS (DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM doomed) RETURNING 1)
       SELECT count(*)::int AS n FROM gone`
    : `WITH gone AS (DELETE FROM ${table} WHERE ${older} RETURNING 1) SELECT count(*)::int AS n FROM gone`;
  let total = 0;
  for (;;) {
    const [row] = await db.query<{ n: number }>(statement, [cutoff.value]);
    total += row?.n ?? 0;
    if (!batched || (row?.n ?? 0) < DELETE_BATCH) return total;
  }
}
