// Weekly trends (GET /v1/me/trends): per calendar week (Monday to Sunday, the user's dates) the mean
// HRV, resting HR, sleep and readiness score, each with its change against the mean of the four
// weeks before it, and the wording of the plain-language flags. Pure: the caller picks one value per
// date (one source and one HRV metric, never mixed) and passes them in (trends-rollup.ts does).
import { dateOfDay, dayNumber } from "./dates";

export const addDays = (date: string, days: number) => dateOfDay(dayNumber(date) + days);

export interface TrendDay {
  date: string;
  hrv_ms: number | null;
  resting_hr_bpm: number | null;
  total_sleep_s: number | null;
  readiness_score: number | null;
  /** Last night's HRV lay below the normal band of that day's readiness. */
  hrv_below_band: boolean | null;
}

export const TREND_METRICS = ["hrv_ms", "resting_hr_bpm", "total_sleep_s", "readiness_score"] as const;
export type TrendMetric = (typeof TREND_METRICS)[number];

export interface WeekTrend {
  week_start: string;
  week_end: string;
  /** False for the week holding today: its mean covers the days so far. */
  complete: boolean;
  days: number;
  means: Record<TrendMetric, number | null>;
  /** This week's mean minus the mean of the four weeks before it (null when either is missing). */
  change_vs_previous_4_weeks: Record<TrendMetric, number | null>;
}

/** Weeks compared with each week's own mean. */
export const PREVIOUS_WEEKS = 4;
// Adding 0 turns a rounded -0 into 0 (JSON cannot tell them apart anyway).
const round1 = (value: number) => Math.round(value * 10) / 10 + 0;

/** Monday of the week holding `date` (1970-01-05 was a Monday). */
export function weekStart(date: string): string {
  const weekday = (((dayNumber(date) - dayNumber("1970-01-05")) % 7) + 7) % 7;
  return addDays(date, -weekday);
}

function meanOf(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** The `weeks` weeks ending with the one holding `today`, oldest first. */
export function weeklyTrends(days: readonly TrendDay[], today: string, weeks: number): WeekTrend[] {
  const lastStart = weekStart(today);
  const total = weeks + PREVIOUS_WEEKS;
  const starts = Array.from({ length: total }, (_, i) => addDays(lastStart, -7 * (total - 1 - i)));
  const byWeek = new Map(starts.map((start) => [start, [] as TrendDay[]]));
  for (const day of days) if (day.date <= today) byWeek.get(weekStart(day.date))?.push(day);
  const rawMeans = starts.map((start) => {
    const inWeek = byWeek.get(start)!;
    const means = {} as Record<TrendMetric, number | null>;
    for (const metric of TREND_METRICS) {
      means[metric] = meanOf(inWeek.map((day) => day[metric]).filter((v): v is number => v !== null));
    }
    return { start, days: inWeek.length, means };
  });
  const result: WeekTrend[] = [];
  for (let i = PREVIOUS_WEEKS; i < total; i++) {
    const week = rawMeans[i]!;
    const means = {} as Record<TrendMetric, number | null>;
    const change = {} as Record<TrendMetric, number | null>;
    for (const metric of TREND_METRICS) {
      const mean = week.means[metric];
      const before = meanOf(rawMeans.slice(i - PREVIOUS_WEEKS, i).map((w) => w.means[metric]).filter((v): v is number => v !== null));
      means[metric] = mean === null ? null : round1(mean);
      change[metric] = mean === null || before === null ? null : round1(mean - before);
    }
    result.push({ week_start: week.start, week_end: addDays(week.start, 6), complete: addDays(week.start, 6) < today, days: week.days, means, change_vs_previous_4_weeks: change });
  }
  return result;
}

/** Under the 7 hours the adult sleep guidance sets as its floor. */
export const isShortNight = (day: TrendDay) => day.total_sleep_s !== null && day.total_sleep_s < 7 * 3600;

/** The flags for `below` days of HRV under the normal band and `short` nights, over the named span. */
export function describeFlags(below: number, short: number, days: string, nights: string): string[] {
  const flags: string[] = [];
  if (below > 0) flags.push(`HRV below your normal range ${below} of ${days}`);
  if (short > 0) flags.push(`Under 7 hours of sleep ${short} of ${nights}`);
  return flags;
}
