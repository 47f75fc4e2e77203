// Resting heart rate: the night's value against its baseline mean. A rise of a few bpm is an early
// sign of strain, illness or heat (Oura lowers readiness from about 3–5 bpm above the usual).
import type { Assessment } from "./assessment";
import { robustBaseline } from "./baseline";
import { RESTING_HR_SCORING, ROBUST_SD_FLOOR } from "./constants";
import type { DailyHistory } from "./history";
import { valueOn } from "./history";
import { choosePrimarySeries } from "./primary-source";
import { clamp, roundTo } from "./stats";
import type { RestingHrComponent } from "./types";
import type { ReadinessWindows } from "./windows";

/** Points for the night's distance from the baseline in bpm (positive: higher than usual). */
export function restingHrPoints(deltaBpm: number): number {
  const s = RESTING_HR_SCORING;
  const beyondNoise = Math.abs(deltaBpm) - s.deadZoneBpm;
  if (beyondNoise <= 0) return 0;
  const points = deltaBpm > 0 ? -s.pointsPerBpmAbove * beyondNoise : s.pointsPerBpmBelow * beyondNoise;
  return clamp(points, s.minContribution, s.maxContribution);
}

export function assessRestingHr(history: DailyHistory, windows: ReadinessWindows): Assessment<RestingHrComponent> {
  const choice = choosePrimarySeries(history, ["resting_hr_bpm"], windows);
  if (!choice) {
    return {
      component: { source: null, value: null, baseline: null, contribution: null },
      summary: null,
      contribution: null,
      baselineDays: 0,
      recentReadings: 0,
    };
  }
  const baseline = robustBaseline(history, choice.series, windows.baseline, ROBUST_SD_FLOOR.resting_hr_bpm);
  const tonight = valueOn(history, choice.series, windows.day);
  const contribution = baseline && tonight !== null ? restingHrPoints(tonight - baseline.mean) : null;
  return {
    component: {
      source: choice.source,
      value: tonight === null ? null : roundTo(tonight, 1),
      baseline: baseline ? roundTo(baseline.mean, 1) : null,
      contribution: contribution === null ? null : roundTo(contribution, 1),
    },
    summary: { source: choice.source, days: choice.baselineDays },
    contribution,
    baselineDays: choice.baselineDays,
    recentReadings: choice.recentReadings,
  };
}
