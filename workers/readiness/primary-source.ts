// One source per metric, never a blend: vendors sample different parts of the night with different
// algorithms (and Apple reports SDNN, not RMSSD), so mixing them would move a baseline for reasons
// that have nothing to do with the user.
import { MIN_RECENT_READINGS, SOURCE_PREFERENCE } from "./constants";
import type { DailyHistory, DailySeries, SeriesKey, SourceSeries } from "./history";
import { countIn } from "./history";
import type { Source } from "./types";
import type { ReadinessWindows } from "./windows";

export interface SeriesChoice {
  source: Source;
  key: SeriesKey;
  series: DailySeries;
  /** Every series of the chosen source, for metrics that must come from the same source. */
  sourceSeries: SourceSeries;
  /** Valid days in the baseline window and readings in the recent window. */
  baselineDays: number;
  recentReadings: number;
}

/**
 * Among every (source, series key) pair with data in either window, the primary one is, in order:
 * worn recently (at least MIN_RECENT_READINGS readings in the recent window); then the most valid
 * days in the baseline window; then the earlier key in `keys`; then SOURCE_PREFERENCE.
 */
export function choosePrimarySeries(
  history: DailyHistory,
  keys: readonly SeriesKey[],
  windows: ReadinessWindows,
): SeriesChoice | null {
  let best: { choice: SeriesChoice; rank: number[] } | null = null;
  for (const [source, sourceSeries] of history.bySource) {
    for (const [keyIndex, key] of keys.entries()) {
      const series = sourceSeries[key];
      const baselineDays = countIn(history, series, windows.baseline);
      const recentReadings = countIn(history, series, windows.recent);
      if (baselineDays === 0 && recentReadings === 0) continue;
      const rank = [
        recentReadings >= MIN_RECENT_READINGS ? 0 : 1,
        -baselineDays,
        keyIndex,
        SOURCE_PREFERENCE.indexOf(source),
      ];
      if (!best || ranksBefore(rank, best.rank)) {
        best = { choice: { source, key, series, sourceSeries, baselineDays, recentReadings }, rank };
      }
    }
  }
  return best?.choice ?? null;
}

function ranksBefore(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! !== b[i]!) return a[i]! < b[i]!;
  }
  return false;
}
