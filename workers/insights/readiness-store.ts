// Postgres side of readiness: the one history query a recompute needs and the snapshot upsert.
// Written against the driver's `Pool.query`, so the Worker (Durable Object) and the Node recompute
// script (scripts/recompute-readiness.ts) run exactly the same SQL.
import type { Pool } from "@neondatabase/serverless";
import type { DailyReadinessInput, ReadinessResult } from "../readiness";

export type SqlClient = Pick<Pool, "query">;

/** The API's readiness item (CONTRACT §4): the model's result without `reasons`, plus `computed_at`. */
export type ReadinessSnapshot = Omit<ReadinessResult, "reasons"> & { computed_at: string };

export function toSnapshot(result: ReadinessResult, computedAt: string): ReadinessSnapshot {
  const { reasons: _reasons, ...item } = result;
  return { ...item, computed_at: computedAt };
}


/**
 * Every hrv_daily and sleep_daily row of the user between `from` and `to` (inclusive), merged per
 * (date, source) in one round trip: the model takes one row per date and source.
 */
export async function loadReadinessHistory(
  client: SqlClient,
  userId: string,
  from: string,
  to: string,
): Promise<DailyReadinessInput[]> {
  const { rows } = await client.query<DailyReadinessInput>(
    `SELECT to_char(date, 'YYYY-MM-DD') AS date, source,
            h.rmssd_ms, h.sdnn_ms, h.resting_hr_bpm, s.total_sleep_s, s.efficiency_pct
       FROM (SELECT date, source, rmssd_ms, sdnn_ms, resting_hr_bpm FROM hrv_daily
              WHERE user_id = $1 AND date BETWEEN $2 AND $3) h
       FULL JOIN (SELECT date, source, total_sleep_s, efficiency_pct FROM sleep_daily
              WHERE user_id = $1 AND date BETWEEN $2 AND $3) s USING (date, source)`,
    [userId, from, to],
  );
  return rows;
}

/** Postgres' code for a foreign-key violation: the user row is gone (erased) mid-recompute. */
export const FOREIGN_KEY_VIOLATION = "23503";

/**
 * Upserts snapshots on (user_id, date) in one statement. A row is replaced only by a snapshot
 * computed from a read at least as recent (`computed_at` is taken before the history is read), so a
 * slow writer never overwrites a newer score with one from older data.
 */
export async function upsertSnapshots(client: SqlClient, userId: string, snapshots: readonly ReadinessSnapshot[]): Promise<void> {
  if (snapshots.length === 0) return;
  await client.query(
    `INSERT INTO readiness_snapshots
            (user_id, date, score, level, confidence, components, baseline, algorithm_version, computed_at)
     SELECT $1, r.date, r.score, r.level, r.confidence, r.components, r.baseline, r.algorithm_version, r.computed_at
       FROM jsonb_to_recordset($2::jsonb) AS r(date date, score integer, level text, confidence real,
            components jsonb, baseline jsonb, algorithm_version text, computed_at timestamptz)
     ON CONFLICT (user_id, date) DO UPDATE SET
            score = excluded.score, level = excluded.level, confidence = excluded.confidence,
            components = excluded.components, baseline = excluded.baseline,
            algorithm_version = excluded.algorithm_version, computed_at = excluded.computed_at
      WHERE readiness_snapshots.computed_at <= excluded.computed_at`,
    [userId, JSON.stringify(snapshots)],
  );
}

/** The columns of a readiness_snapshots row in the API's item shape (dates and instants as text). */
export const SNAPSHOT_COLUMNS = `to_char(date, 'YYYY-MM-DD') AS date, score, level, confidence, components, baseline,
  algorithm_version, to_char(computed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS computed_at`;
