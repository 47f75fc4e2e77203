// A personal baseline that a few bad readings cannot drag: values are winsorized to the median ± 3
// robust SD before the mean and SD are taken.
import { BASELINE_FENCE_ROBUST_SDS, MIN_BASELINE_DAYS } from "./constants";
import { clamp, mean, median, sampleSd } from "./stats";

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

/** The baseline of a window's valid values, or null when it holds fewer than MIN_BASELINE_DAYS. */
export function robustBaseline(values: readonly number[], robustSdFloor: number): Baseline | null {
  if (values.length < MIN_BASELINE_DAYS) return null;
  const center = median(values);
  const robustSd = Math.max(MAD_TO_SD * median(values.map((v) => Math.abs(v - center))), robustSdFloor);
  const winsorized = winsorize(values, { median: center, robustSd }, BASELINE_FENCE_ROBUST_SDS);
  const baselineMean = mean(winsorized);
  return { days: values.length, mean: baselineMean, sd: sampleSd(winsorized, baselineMean), median: center, robustSd };
}

/** Pulls values lying more than `robustSds` robust SDs from the baseline median onto that fence. */
export function winsorize(
  values: readonly number[],
  baseline: Pick<Baseline, "median" | "robustSd">,
  robustSds: number,
): number[] {
  const low = baseline.median - robustSds * baseline.robustSd;
  const high = baseline.median + robustSds * baseline.robustSd;
  return values.map((v) => clamp(v, low, high));
}
