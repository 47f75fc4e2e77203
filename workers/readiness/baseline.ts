// A personal baseline that a few bad readings cannot drag: values are winsorized to the median ± 3
// robust SD before the mean and SD are taken.
import { BASELINE_FENCE_ROBUST_SDS, MIN_BASELINE_DAYS } from "./constants";
import type { DailyHistory, DailySeries, DayRange } from "./history";
import { countIn, indexRange, sortedBaselineValuesIn } from "./history";
import { clamp, medianDistanceFromMedian, medianOfSorted } from "./stats";

/** Scales the median absolute deviation to a standard deviation for normal data. */
const MAD_TO_SD = 1.4826;

export interface Baseline {
  days: number;
  mean: number;
  sd: number;
  median: number;
  /** 1.4826 × MAD, raised to the metric's floor. */
  robustSd: number;
}

interface Fence {
  low: number;
  high: number;
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
  const fence = fenceAround({ median: center, robustSd }, BASELINE_FENCE_ROBUST_SDS);
  return { days, ...winsorizedMeanAndSd(series.values, indexRange(history, range), days, fence), median: center, robustSd };
}

/**
 * Mean and sample SD (n − 1; 0 below two values) of the valid values in values[from, to), each
 * pulled onto the fence first. Read in place, as copying the window would cost more than the sums,
 * and summed oldest first: the order every version of the model has summed in, so results stay
 * bit-identical.
 */
function winsorizedMeanAndSd(
  values: Float64Array,
  { from, to }: { from: number; to: number },
  count: number,
  { low, high }: Fence,
): { mean: number; sd: number } {
  let sum = 0;
  for (let i = from; i < to; i++) {
    if (!Number.isNaN(values[i]!)) sum += clamp(values[i]!, low, high);
  }
  const mean = sum / count;
  if (count < 2) return { mean, sd: 0 };
  let squares = 0;
  for (let i = from; i < to; i++) {
    if (!Number.isNaN(values[i]!)) squares += (clamp(values[i]!, low, high) - mean) ** 2;
  }
  return { mean, sd: Math.sqrt(squares / (count - 1)) };
}

/** Pulls values lying more than `robustSds` robust SDs from the baseline median onto that fence. */
export function winsorize(
  values: Float64Array,
  baseline: Pick<Baseline, "median" | "robustSd">,
  robustSds: number,
): Float64Array {
  const { low, high } = fenceAround(baseline, robustSds);
  const winsorized = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) winsorized[i] = clamp(values[i]!, low, high);
  return winsorized;
}

function fenceAround(baseline: Pick<Baseline, "median" | "robustSd">, robustSds: number): Fence {
  return { low: baseline.median - robustSds * baseline.robustSd, high: baseline.median + robustSds * baseline.robustSd };
}
