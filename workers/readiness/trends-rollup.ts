// The weekly trends rollup (table trends_weekly, docs/adr/0008-trends-rollup.md): one record per
// user and calendar week, computed after each readiness recompute and read by GET /v1/me/trends.
// Pure: the caller loads the daily rows and snapshots of the weeks and their four previous weeks.
//
// Each week picks one source per metric (and one HRV metric): among the sources with data in the week,
// the one with the most days over the five weeks its figures come from (the week and the four before
// it). Its mean and its change then come from the same source, and a week's figures do not depend on
// how many weeks a client asks for.
import { dateOfDay, dayNumber } from "./dates";
import {
  addDays, describeFlags, isShortNight, PREVIOUS_WEEKS, TREND_METRICS, weekStart, weeklyTrends,
  type TrendDay, type TrendMetric, type WeekTrend,
} from "./trends";

export type HrvMetricName = "rmssd" | "sdnn";
export type TrendSourced = Exclude<TrendMetric, "readiness_score">;

export interface HrvRow { date: string; source: string; rmssd_ms: number | null; sdnn_ms: number | null; resting_hr_bpm: number | null }
export interface SleepRow { date: string; source: string; total_sleep_s: number | null }
export interface SnapshotRow { date: string; score: number | null; below: boolean | null; algorithm_version: string }

export interface TrendInputs {
  hrv: readonly HrvRow[];
  sleep: readonly SleepRow[];
  snapshots: readonly SnapshotRow[];
}

/** One week of the rollup, as stored (trends_weekly) and as GET /v1/me/trends builds its items from. */
export interface TrendWeekRecord {
  week_start: string;
  week_end: string;
  /** Dates of the week (up to the day it was computed) with any data. */
  days: number;
  hrv_metric: HrvMetricName | null;
  sources: Record<TrendSourced, string | null>;
  means: Record<TrendMetric, number | null>;
  /** Days behind each mean. */
  counts: Record<TrendMetric, number>;
  change_vs_previous_4_weeks: Record<TrendMetric, number | null>;
  hrv_below_band_dates: string[];
  short_sleep_dates: string[];
  /** Plain-language notes on the week's own seven days. */
  flags: string[];
  /** Readiness model version(s) of the week's snapshots, comma-separated; null without snapshots. */
  algorithm_version: string | null;
}

/**
 * The key with the most rows among those that `eligible` holds (all keys when it is empty); ties go
 * to the first seen in the rows' order, which is by source name.
 */
function mostCommon<T>(rows: readonly T[], key: (row: T) => string | null, eligible: ReadonlySet<string>): string | null {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const k = key(row);
    if (k !== null && (eligible.size === 0 || eligible.has(k))) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  let best: string | null = null;
  for (const [k, n] of counts) if (best === null || n > counts.get(best)!) best = k;
  return best;
}

/** The source (and key) with the most days in `rows` among those with data on or after `from`. */
function chooseSource<T extends { date: string }>(rows: readonly T[], key: (row: T) => string | null, from: string): string | null {
  const present = new Set(rows.filter((r) => r.date >= from).map(key).filter((k): k is string => k !== null));
  return mostCommon(rows, key, present);
}

/**
 * One value per date and metric from the rows of a week and the four before it: per metric, among the
 * sources with data in the week (from `week`), the one with the most days in all five (a user who
 * changed devices sees the new one at once); RMSSD and SDNN never mixed.
 */
export function trendDays(inputs: TrendInputs, week: string): { metric: HrvMetricName | null; sources: Record<TrendSourced, string | null>; days: TrendDay[] } {
  const { hrv, sleep, snapshots } = inputs;
  const hrvKey = chooseSource(hrv, (r) => (r.rmssd_ms !== null ? `${r.source}:rmssd` : r.sdnn_ms !== null ? `${r.source}:sdnn` : null), week);
  const [hrvSource, metric] = (hrvKey?.split(":") ?? [null, null]) as [string | null, HrvMetricName | null];
  const restingSource = chooseSource(hrv, (r) => (r.resting_hr_bpm !== null ? r.source : null), week);
  const sleepSource = chooseSource(sleep, (r) => (r.total_sleep_s !== null ? r.source : null), week);
  const days = new Map<string, TrendDay>();
  const day = (date: string) => {
    if (!days.has(date)) days.set(date, { date, hrv_ms: null, resting_hr_bpm: null, total_sleep_s: null, readiness_score: null, hrv_below_band: null });
    return days.get(date)!;
  };
  for (const r of hrv) {
    if (r.source === hrvSource) day(r.date).hrv_ms = metric === "sdnn" ? r.sdnn_ms : r.rmssd_ms;
    if (r.source === restingSource && r.resting_hr_bpm !== null) day(r.date).resting_hr_bpm = r.resting_hr_bpm;
  }
  for (const r of sleep) if (r.source === sleepSource && r.total_sleep_s !== null) day(r.date).total_sleep_s = r.total_sleep_s;
  for (const r of snapshots) Object.assign(day(r.date), { readiness_score: r.score, hrv_below_band: r.below });
  const sources = { hrv_ms: hrvSource, resting_hr_bpm: restingSource, total_sleep_s: sleepSource };
  return { metric, sources, days: [...days.values()] };
}

/**
 * The weeks whose record changes when readiness was rescored on `scored` dates: each such date's
 * week and the PREVIOUS_WEEKS weeks after it (their comparison reads it), never after today's week.
 */
export function weeksAffectedBy(scored: readonly string[], today: string): string[] {
  const last = dayNumber(weekStart(today));
  const starts = new Set<number>();
  for (const week of new Set(scored.map(weekStart))) {
    const first = dayNumber(week);
    for (let k = 0; k <= PREVIOUS_WEEKS && first + 7 * k <= last; k++) starts.add(first + 7 * k);
  }
  return [...starts].sort((a, b) => a - b).map(dateOfDay);
}

/** The dates the records of `weekStarts` read: the four weeks before the earliest up to the last one's end (or today). */
export function inputSpan(weekStarts: readonly string[], today: string): { from: string; to: string } {
  const sorted = [...weekStarts].sort();
  const lastEnd = addDays(sorted.at(-1)!, 6);
  return { from: addDays(sorted[0]!, -7 * PREVIOUS_WEEKS), to: lastEnd < today ? lastEnd : today };
}

/** The records of the given weeks (Mondays), from inputs covering each week and its four previous weeks. */
export function rollupWeeks(inputs: TrendInputs, weekStarts: readonly string[], today: string): TrendWeekRecord[] {
  return weekStarts.map((start) => rollupWeek(inputs, start, today));
}

function rollupWeek(inputs: TrendInputs, start: string, today: string): TrendWeekRecord {
  const end = addDays(start, 6);
  const upTo = end < today ? end : today;
  const from = addDays(start, -7 * PREVIOUS_WEEKS);
  const within = <T extends { date: string }>(rows: readonly T[]) => rows.filter((r) => r.date >= from && r.date <= upTo);
  const { metric, sources, days } = trendDays({ hrv: within(inputs.hrv), sleep: within(inputs.sleep), snapshots: within(inputs.snapshots) }, start);
  const week: WeekTrend = weeklyTrends(days, upTo, 1)[0]!;
  const inWeek = days.filter((d) => d.date >= start).sort((a, b) => (a.date < b.date ? -1 : 1));
  const counts = {} as Record<TrendMetric, number>;
  for (const m of TREND_METRICS) counts[m] = inWeek.filter((d) => d[m] !== null).length;
  const below = inWeek.filter((d) => d.hrv_below_band === true).map((d) => d.date);
  const short = inWeek.filter(isShortNight).map((d) => d.date);
  const versions = [...new Set(inputs.snapshots.filter((s) => s.date >= start && s.date <= upTo).map((s) => s.algorithm_version))].sort();
  return {
    week_start: start, week_end: end, days: week.days, hrv_metric: metric, sources,
    means: week.means, counts, change_vs_previous_4_weeks: week.change_vs_previous_4_weeks,
    hrv_below_band_dates: below, short_sleep_dates: short,
    flags: describeFlags(below.length, short.length, "the week's 7 days", "the week's 7 nights"),
    algorithm_version: versions.length > 0 ? versions.join(",") : null,
  };
}

/** A week as GET /v1/me/trends and the live socket show it (`complete` is judged against today). */
export function trendWeekItem(record: TrendWeekRecord, today: string) {
  const { week_start, week_end, days, hrv_metric, sources, means, counts, change_vs_previous_4_weeks, flags } = record;
  return { week_start, week_end, complete: week_end < today, days, hrv_metric, sources, means, counts, change_vs_previous_4_weeks, flags };
}

/** The Mondays of the `weeks` weeks ending with the one holding `today`, oldest first. */
export function weekStartsEnding(today: string, weeks: number): string[] {
  const last = weekStart(today);
  return Array.from({ length: weeks }, (_, i) => addDays(last, -7 * (weeks - 1 - i)));
}

/** The notes on the last 7 days (today included), from the records of the weeks they fall in. */
export function lastSevenDayFlags(records: readonly TrendWeekRecord[], today: string): string[] {
  const first = addDays(today, -6);
  const inRange = (dates: readonly string[]) => dates.filter((d) => d >= first && d <= today).length;
  const below = records.reduce((n, r) => n + inRange(r.hrv_below_band_dates), 0);
  const short = records.reduce((n, r) => n + inRange(r.short_sleep_dates), 0);
  return describeFlags(below, short, "the last 7 days", "the last 7 nights");
}

/**
 * The week a recompute announces on the live socket (`trends.week_closed`), or null. The closing
 * week is the latest one whose Sunday is today or earlier; it is announced when the recompute
 * scored that Sunday (its last night came in or changed), or when this user's object has not
 * announced it yet (the first recompute of a new week).
 */
export function weekToAnnounce(today: string, scored: readonly string[], lastAnnounced: string | undefined): string | null {
  const thisWeek = weekStart(today);
  const closing = today === addDays(thisWeek, 6) ? thisWeek : addDays(thisWeek, -7);
  if (scored.includes(addDays(closing, 6))) return closing;
  return lastAnnounced === undefined || lastAnnounced < closing ? closing : null;
}
