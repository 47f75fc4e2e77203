// One source per metric, never a blend: vendors sample different parts of the night with different
// algorithms (and Apple reports SDNN, not RMSSD), so mixing them would move a baseline for reasons
// that have nothing to do with the user.
import { MIN_RECENT_READINGS, SOURCE_PREFERENCE } from "./constants";
import type { DailyHistory, SeriesKey, SourceSeries } from "./history";
import { valuesIn } from "./history";
import type { Source } from "./types";
import type { ReadinessWindows } from "./windows";

export interface SeriesChoice {
  source: Source;
  key: SeriesKey;
  series: Float64Array;
  /** Every series of the chosen source, for metrics that must come from the same source. */
  sourceSeries: SourceSeries;
  baselineValues: number[];
  recentValues: number[];
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
      const baselineValues = valuesIn(history, series, windows.baseline);
      const recentValues = valuesIn(history, series, windows.recent);
      if (baselineValues.length === 0 && recentValues.length === 0) continue;
      const rank = [
        recentValues.length >= MIN_RECENT_READINGS ? 0 : 1,
        -baselineValues.length,
        keyIndex,
        SOURCE_PREFERENCE.indexOf(source),
      ];
      if (!best || ranksBefore(rank, best.rank)) {
        best = { choice: { source, key, series, sourceSeries, baselineValues, recentValues }, rank };
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
