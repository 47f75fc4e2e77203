// A personal baseline that a few bad readings cannot drag: values are winsorized to the median ± 3
// robust SD before the mean and SD are taken.
import { BASELINE_DAYS, BASELINE_FENCE_ROBUST_SDS, MIN_BASELINE_DAYS } from "./constants";
import type { DailyHistory, DailySeries, DayRange } from "./history";
import { countIn, sortedBaselineValuesIn, valuesIn } from "./history";
import { clamp, mean, medianDistanceFromMedian, medianOfSorted, sampleSd } from "./stats";

/** Scales the median absolute deviation to a standard deviation for normal data. */
const MAD_TO_SD = 1.4826;

/**
 * Holds the winsorized copy of one baseline window at a time. A new typed array per window and date
 * costs more than the arithmetic on it (its memory lives outside the JS heap); sharing one is safe
 * because the model is synchronous and reads the copy before the next window is taken.
 */
let winsorizedScratch = new Float64Array(BASELINE_DAYS);

export interface Baseline {
  days: number;
  mean: number;
  sd: number;
  median: number;
  /** 1.4826 × MAD, raised to the metric's floor. */
  robustSd: number;
}

/** The baseline of a series' valid values in `range`, or null when it holds fewer than MIN_BASELINE_DAYS. */
export function robustBaseline(
  history: DailyHistory,
  series: DailySeries,
  range: DayRange,
  robustSdFloor: number,
): Baseline | null {
  const days = countIn(history, series, range);
  if (days < MIN_BASELINE_DAYS) return null;
  const sorted = sortedBaselineValuesIn(history, series, range);
  const center = medianOfSorted(sorted);
  const robustSd = Math.max(MAD_TO_SD * medianDistanceFromMedian(sorted, center), robustSdFloor);
  if (winsorizedScratch.length < days) winsorizedScratch = new Float64Array(days);
  // Oldest first: the mean and SD are summed in the order they always were, so results stay bit-identical.
  const winsorized = valuesIn(history, series, range, winsorizedScratch);
  clampAll(winsorized, fence({ median: center, robustSd }, BASELINE_FENCE_ROBUST_SDS));
  const baselineMean = mean(winsorized);
  return { days, mean: baselineMean, sd: sampleSd(winsorized, baselineMean), median: center, robustSd };
}

/** Pulls values lying more than `robustSds` robust SDs from the baseline median onto that fence. */
export function winsorize(
  values: Float64Array,
  baseline: Pick<Baseline, "median" | "robustSd">,
  robustSds: number,
): Float64Array {
  const winsorized = values.slice();
  clampAll(winsorized, fence(baseline, robustSds));
  return winsorized;
}

function fence(baseline: Pick<Baseline, "median" | "robustSd">, robustSds: number): { low: number; high: number } {
  return { low: baseline.median - robustSds * baseline.robustSd, high: baseline.median + robustSds * baseline.robustSd };
}

function clampAll(values: Float64Array, { low, high }: { low: number; high: number }): void {
  for (let i = 0; i < values.length; i++) values[i] = clamp(values[i]!, low, high);
}
