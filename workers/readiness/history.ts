// Daily rows laid out as dense per-source, per-metric arrays over a day range, so that every window
// the model reads is an index range. Implausible and missing values are NaN.
import { PLAUSIBLE } from "./constants";
import { dateOfDay, dayNumber } from "./dates";
import type { DailyReadinessInput, Source } from "./types";

export type SeriesKey = "ln_rmssd" | "ln_sdnn" | "resting_hr_bpm" | "total_sleep_s" | "efficiency_pct";

export type SourceSeries = Record<SeriesKey, Float64Array>;

export interface DailyHistory {
  firstDay: number;
  lastDay: number;
  bySource: Map<Source, SourceSeries>;
}

export interface DayRange {
  from: number;
  to: number;
}

function plausible(value: number | null, range: { min: number; max: number }): number {
  return value !== null && Number.isFinite(value) && value >= range.min && value <= range.max ? value : NaN;
}

function emptySeries(length: number): SourceSeries {
  return {
    ln_rmssd: new Float64Array(length).fill(NaN),
    ln_sdnn: new Float64Array(length).fill(NaN),
    resting_hr_bpm: new Float64Array(length).fill(NaN),
    total_sleep_s: new Float64Array(length).fill(NaN),
    efficiency_pct: new Float64Array(length).fill(NaN),
  };
}

/**
 * Indexes the rows dated firstDay..lastDay. Rows outside the range are skipped without being parsed
 * (YYYY-MM-DD strings order like their dates). When a (date, source) pair repeats, the last row wins.
 */
export function buildHistory(rows: readonly DailyReadinessInput[], firstDay: number, lastDay: number): DailyHistory {
  const firstDate = dateOfDay(firstDay);
  const lastDate = dateOfDay(lastDay);
  const length = lastDay - firstDay + 1;
  const bySource = new Map<Source, SourceSeries>();
  for (const row of rows) {
    if (row.date < firstDate || row.date > lastDate) continue;
    const i = dayNumber(row.date) - firstDay;
    let series = bySource.get(row.source);
    if (!series) {
      series = emptySeries(length);
      bySource.set(row.source, series);
    }
    series.ln_rmssd[i] = Math.log(plausible(row.rmssd_ms, PLAUSIBLE.rmssd_ms));
    series.ln_sdnn[i] = Math.log(plausible(row.sdnn_ms, PLAUSIBLE.sdnn_ms));
    series.resting_hr_bpm[i] = plausible(row.resting_hr_bpm, PLAUSIBLE.resting_hr_bpm);
    series.total_sleep_s[i] = plausible(row.total_sleep_s, PLAUSIBLE.total_sleep_s);
    series.efficiency_pct[i] = plausible(row.efficiency_pct, PLAUSIBLE.efficiency_pct);
  }
  return { firstDay, lastDay, bySource };
}

/** The valid values of one series within a day range, oldest first. */
export function valuesIn(history: DailyHistory, series: Float64Array, range: DayRange): number[] {
  const values: number[] = [];
  const from = Math.max(range.from, history.firstDay) - history.firstDay;
  const to = Math.min(range.to, history.lastDay) - history.firstDay;
  for (let i = from; i <= to; i++) {
    const v = series[i]!;
    if (!Number.isNaN(v)) values.push(v);
  }
  return values;
}

export function valueOn(history: DailyHistory, series: Float64Array, day: number): number | null {
  const v = series[day - history.firstDay];
  return v === undefined || Number.isNaN(v) ? null : v;
}
