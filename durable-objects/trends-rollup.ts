// Postgres side of the weekly trends rollup (trends_weekly): the rows a set of weeks is computed
// from, and the upsert. Run by the user's UserReadiness object after a recompute (through
// recompute.ts) and when GET /v1/me/trends finds a week missing, so one writer per user at a time.
import {
  inputSpan, rollupWeeks, type HrvRow, type SleepRow, type SnapshotRow, type TrendInputs, type TrendWeekRecord,
} from "../workers/readiness/trends-rollup";
import { FOREIGN_KEY_VIOLATION, type SqlClient } from "../workers/readiness/snapshot-store";

/**
 * Recomputes and stores the records of `weekStarts` (Mondays, never after today's week) and returns
 * them (stored only when at least one of them holds data). A row is replaced only by one computed from a read at least as recent (`computedAt` is taken
 * before the caller read anything), as readiness snapshots are.
 */
export async function refreshTrendWeeks(
  client: SqlClient,
  userId: string,
  weekStarts: readonly string[],
  today: string,
  computedAt: string,
): Promise<TrendWeekRecord[]> {
  if (weekStarts.length === 0) return [];
  const { from, to } = inputSpan(weekStarts, today);
  const inputs = await loadTrendInputs(client, userId, from, to);
  const records = rollupWeeks(inputs, weekStarts, today);
  // A read by someone with no data in any of these weeks stores nothing (reads never create data
  // out of nothing); empty weeks beside weeks with data are stored, so they are not recomputed.
  if (records.some((record) => record.days > 0)) await upsertTrendWeeks(client, userId, records, computedAt);
  return records;
}

async function loadTrendInputs(client: SqlClient, userId: string, from: string, to: string): Promise<TrendInputs> {
  const span = "user_id = $1 AND date BETWEEN $2 AND $3";
  const params = [userId, from, to];
  // Ordered by source: trendDays breaks ties between sources with equal days by that order. One after
  // another, so that they share one connection of the pool.
  const hrv = await client.query<HrvRow>(`SELECT to_char(date, 'YYYY-MM-DD') AS date, source, rmssd_ms, sdnn_ms, resting_hr_bpm
    FROM hrv_daily WHERE ${span} ORDER BY source, date`, params);
  const sleep = await client.query<SleepRow>(`SELECT to_char(date, 'YYYY-MM-DD') AS date, source, total_sleep_s
    FROM sleep_daily WHERE ${span} ORDER BY source, date`, params);
  const snapshots = await client.query<SnapshotRow>(`SELECT to_char(date, 'YYYY-MM-DD') AS date, score, algorithm_version,
    ((components #>> '{hrv,last_night}')::float8 < (components #>> '{hrv,normal_band,low}')::float8) AS below
    FROM readiness_snapshots WHERE ${span} ORDER BY date`, params);
  return { hrv: hrv.rows, sleep: sleep.rows, snapshots: snapshots.rows };
}

/** The records as trends_weekly columns (one jsonb_to_recordset row each). */
function asColumns(record: TrendWeekRecord) {
  const { means: m, counts: n, change_vs_previous_4_weeks: d, sources: s } = record;
  return {
    week_start: record.week_start, week_end: record.week_end, days: record.days,
    hrv_metric: record.hrv_metric, hrv_source: s.hrv_ms, hrv_ms: m.hrv_ms, hrv_days: n.hrv_ms, change_hrv_ms: d.hrv_ms,
    resting_hr_source: s.resting_hr_bpm, resting_hr_bpm: m.resting_hr_bpm, resting_hr_days: n.resting_hr_bpm,
    change_resting_hr_bpm: d.resting_hr_bpm,
    sleep_source: s.total_sleep_s, total_sleep_s: m.total_sleep_s, sleep_days: n.total_sleep_s, change_total_sleep_s: d.total_sleep_s,
    readiness_score: m.readiness_score, readiness_days: n.readiness_score, change_readiness_score: d.readiness_score,
    hrv_below_band_dates: record.hrv_below_band_dates, short_sleep_dates: record.short_sleep_dates, flags: record.flags,
    algorithm_version: record.algorithm_version,
  };
}

const COLUMNS = [
  "week_start date", "week_end date", "days smallint", "hrv_metric text", "hrv_source text", "hrv_ms float8",
  "hrv_days smallint", "change_hrv_ms float8", "resting_hr_source text", "resting_hr_bpm float8",
  "resting_hr_days smallint", "change_resting_hr_bpm float8", "sleep_source text", "total_sleep_s float8",
  "sleep_days smallint", "change_total_sleep_s float8", "readiness_score float8", "readiness_days smallint",
  "change_readiness_score float8", "hrv_below_band_dates date[]", "short_sleep_dates date[]", "flags text[]",
  "algorithm_version text",
];
const NAMES = COLUMNS.map((c) => c.split(" ")[0]!);

/** One statement for the batch, upserting on (user_id, week_start). */
async function upsertTrendWeeks(client: SqlClient, userId: string, records: readonly TrendWeekRecord[], computedAt: string): Promise<void> {
  await client.query(
    `INSERT INTO trends_weekly (user_id, ${NAMES.join(", ")}, computed_at)
     SELECT $1, ${NAMES.map((n) => `r.${n}`).join(", ")}, $3::timestamptz
       FROM jsonb_to_recordset($2::jsonb) AS r(${COLUMNS.join(", ")})
     ON CONFLICT (user_id, week_start) DO UPDATE SET
       ${[...NAMES.slice(1), "computed_at"].map((n) => `${n} = excluded.${n}`).join(", ")}
      WHERE trends_weekly.computed_at <= excluded.computed_at`,
    [userId, JSON.stringify(records.map(asColumns)), computedAt],
  );
}

/**
 * The records of weeks a read found missing (history stored before the rollup existed, or imported
 * without a recompute), computed and stored now; null when the user no longer exists.
 */
export async function computeMissingTrendWeeks(
  client: SqlClient,
  userId: string,
  weekStarts: readonly string[],
  today: string,
): Promise<TrendWeekRecord[] | null> {
  try {
    return await refreshTrendWeeks(client, userId, weekStarts, today, new Date().toISOString());
  } catch (error) {
    if ((error as { code?: string }).code === FOREIGN_KEY_VIOLATION) return null;
    throw error;
  }
}
