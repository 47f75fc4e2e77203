// Daily rows laid out as dense per-source, per-metric arrays over a day range, so that every window
// the model reads is an index range. Implausible and missing values are NaN.
import { PLAUSIBLE } from "./constants";
import { dateOfDay, dayNumber } from "./dates";
import { SortedWindow } from "./sorted-window";
import type { DailyReadinessInput, Source } from "./types";

export type SeriesKey = "ln_rmssd" | "ln_sdnn" | "resting_hr_bpm" | "total_sleep_s" | "efficiency_pct";

export interface DailySeries {
  /** One value per day of the history's range; NaN when missing or implausible. */
  values: Float64Array;
  /**
   * validBefore[i]: how many valid values lie before index i. Choosing a primary source compares
   * window counts for every candidate on every scored date; with this each count is one subtraction.
   */
  validBefore: Int32Array;
  /** The baseline window's values kept sorted as the scored date moves; created on first use. */
  baselineSorted?: SortedWindow;
}

export type SourceSeries = Record<SeriesKey, DailySeries>;

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

function emptySeries(length: number): DailySeries {
  return { values: new Float64Array(length).fill(NaN), validBefore: new Int32Array(length + 1) };
}

function emptySourceSeries(length: number): SourceSeries {
  return {
    ln_rmssd: emptySeries(length),
    ln_sdnn: emptySeries(length),
    resting_hr_bpm: emptySeries(length),
    total_sleep_s: emptySeries(length),
    efficiency_pct: emptySeries(length),
  };
}

function countValid(series: DailySeries): void {
  const { values, validBefore } = series;
  for (let i = 0; i < values.length; i++) validBefore[i + 1] = validBefore[i]! + (Number.isNaN(values[i]!) ? 0 : 1);
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
      series = emptySourceSeries(length);
      bySource.set(row.source, series);
    }
    series.ln_rmssd.values[i] = Math.log(plausible(row.rmssd_ms, PLAUSIBLE.rmssd_ms));
    series.ln_sdnn.values[i] = Math.log(plausible(row.sdnn_ms, PLAUSIBLE.sdnn_ms));
    series.resting_hr_bpm.values[i] = plausible(row.resting_hr_bpm, PLAUSIBLE.resting_hr_bpm);
    series.total_sleep_s.values[i] = plausible(row.total_sleep_s, PLAUSIBLE.total_sleep_s);
    series.efficiency_pct.values[i] = plausible(row.efficiency_pct, PLAUSIBLE.efficiency_pct);
  }
  for (const sourceSeries of bySource.values()) Object.values(sourceSeries).forEach(countValid);
  return { firstDay, lastDay, bySource };
}

/** The part of a day range that lies inside the history, as array indexes [from, to). */
export function indexRange(history: DailyHistory, range: DayRange): { from: number; to: number } {
  const length = history.lastDay - history.firstDay + 1;
  const from = Math.min(Math.max(range.from - history.firstDay, 0), length);
  const to = Math.max(Math.min(range.to - history.firstDay + 1, length), from);
  return { from, to };
}

/** How many valid values one series holds within a day range. */
export function countIn(history: DailyHistory, series: DailySeries, range: DayRange): number {
  const { from, to } = indexRange(history, range);
  return series.validBefore[to]! - series.validBefore[from]!;
}

/** The valid values of one series within a day range, oldest first. */
export function valuesIn(history: DailyHistory, series: DailySeries, range: DayRange): Float64Array {
  const { from, to } = indexRange(history, range);
  const values = new Float64Array(series.validBefore[to]! - series.validBefore[from]!);
  let n = 0;
  for (let i = from; i < to; i++) {
    const v = series.values[i]!;
    if (!Number.isNaN(v)) values[n++] = v;
  }
  return values;
}

/**
 * The valid values of one series within the baseline window, ascending. The view is overwritten by
 * the next call for the same series, so read it before asking again.
 */
export function sortedBaselineValuesIn(history: DailyHistory, series: DailySeries, range: DayRange): Float64Array {
  const { from, to } = indexRange(history, range);
  series.baselineSorted ??= new SortedWindow(series.values);
  return series.baselineSorted.sortedIn(from, to);
}

export function valueOn(history: DailyHistory, series: DailySeries, day: number): number | null {
  const v = series.values[day - history.firstDay];
  return v === undefined || Number.isNaN(v) ? null : v;
}
