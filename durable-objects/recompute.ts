// The recompute UserReadiness runs (and the rescore script, workers/insights/rescore.ts): for one
// user's dates, one history query, the pure model, one upsert into the snapshot store.
// Written against the driver's `Pool.query`, so the object and the Node script run the same SQL.
import { addDays, todayIn } from "../workers/lib/calendar";
import { computeReadinessSeries, type DailyReadinessInput } from "../workers/readiness";
// The model's own window sizes, so that what is read and rescored follows the model if they change.
import { dateOfDay, dayNumber } from "../workers/readiness/dates";
import { FOREIGN_KEY_VIOLATION, toSnapshot, upsertSnapshots, type ReadinessSnapshot, type SqlClient } from "../workers/readiness/snapshot-store";
import { weeksAffectedBy, type TrendWeekRecord } from "../workers/readiness/trends-rollup";
import { LOOKBACK_DAYS } from "../workers/readiness/windows";
import { refreshTrendWeeks } from "./trends-rollup";

export type RecomputeOutcome =
  | { kind: "computed"; snapshots: ReadinessSnapshot[]; trends?: RefreshedTrends }
  /** The user row is gone (erased): nothing was written. */
  | { kind: "user_gone" };

/** The weekly trend records a recompute rewrote, and the user's today they were judged against. */
export interface RefreshedTrends {
  today: string;
  weeks: TrendWeekRecord[];
}

export interface RecomputeOptions {
  /**
   * Changed data dates (true): a change on D moves the recent window and the baseline of every day
   * that reads D, so D … min(D + LOOKBACK_DAYS, today) are rescored. Requested dates (false): exactly
   * those dates.
   */
  followingDays: boolean;
}

/**
 * Scores the dates for the user (never after the user's today) and upserts the snapshots. Returns
 * them in date order, or `user_gone` when the user no longer exists.
 */
export async function recomputeReadiness(
  client: SqlClient,
  userId: string,
  dates: readonly string[],
  options: RecomputeOptions,
): Promise<RecomputeOutcome> {
  const { rows } = await client.query<{ timezone: string }>("SELECT timezone FROM users WHERE id = $1", [userId]);
  const user = rows[0];
  if (!user) return { kind: "user_gone" };
  const today = todayIn(user.timezone);
  const scored = datesToScore(dates, today, options.followingDays);
  if (scored.length === 0) return { kind: "computed", snapshots: [] };

  // Taken before the read: a snapshot is as fresh as the data it was computed from.
  const computedAt = new Date().toISOString();
  const history = await loadReadinessHistory(client, userId, addDays(scored[0]!, -LOOKBACK_DAYS), scored.at(-1)!);
  const snapshots = computeReadinessSeries(history, scored).map((result) => toSnapshot(result, computedAt));
  let weeks: TrendWeekRecord[];
  try {
    await upsertSnapshots(client, userId, snapshots);
    // The weekly trends read these snapshots: rewrite the weeks they fall in (and the weeks after).
    weeks = await refreshTrendWeeks(client, userId, weeksAffectedBy(scored, today), today, computedAt);
  } catch (error) {
    if ((error as { code?: string }).code === FOREIGN_KEY_VIOLATION) return { kind: "user_gone" };
    throw error;
  }
  return { kind: "computed", snapshots, trends: { today, weeks } };
}

/** The sorted, distinct dates to score: each date (and, for changed data, every later day that reads it) up to today. */
export function datesToScore(dates: readonly string[], today: string, followingDays: boolean): string[] {
  // Day numbers, not date strings: a rescore of two years asks for 730 dates and their weeks.
  const last = dayNumber(today);
  // D is in the recent window of D … D+6 and in the 60-day baseline of D+7 … D+66.
  const span = followingDays ? LOOKBACK_DAYS : 0;
  const days = new Set<number>();
  for (const date of dates) {
    const first = dayNumber(date);
    for (let day = first; day <= first + span && day <= last; day++) days.add(day);
  }
  return [...days].sort((a, b) => a - b).map(dateOfDay);
}

/**
 * Every hrv_daily and sleep_daily row of the user between `from` and `to` (inclusive), merged per
 * (date, source) in one round trip: the model takes one row per date and source.
 */
async function loadReadinessHistory(client: SqlClient, userId: string, from: string, to: string): Promise<DailyReadinessInput[]> {
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
