// HRV component: the 7-day mean of ln(RMSSD) — or ln(SDNN) for Apple, never mixed — against the
// personal normal band (baseline mean ± 0.5 SD), after Plews et al. and HRV4Training; and, since
// readiness-1.1.0, last night's own value against the same band (the acute term).
import type { Assessment } from "./assessment";
import { robustBaseline, winsorize } from "./baseline";
import {
  HRV_ACUTE_SCORING, HRV_SCORING, MIN_BASELINE_DAYS, MIN_RECENT_READINGS, RECENT_DAYS, RECENT_FENCE_ROBUST_SDS, ROBUST_SD_FLOOR,
} from "./constants";
import type { DailyHistory } from "./history";
import { valueOn, valuesIn } from "./history";
import { choosePrimarySeries } from "./primary-source";
import { clamp, mean, roundTo } from "./stats";
import type { BaselineSummary, HrvComponent, HrvMetric } from "./types";
import type { ReadinessWindows } from "./windows";

export interface HrvAssessment extends Assessment<HrvComponent, NonNullable<BaselineSummary["hrv"]>> {
  /** Why HRV cannot be judged, which leaves the whole day unscored; empty when it can. */
  reasons: string[];
}

/** Points for the recent mean's distance from the baseline, in band half-widths (u = ±1 at the band edges). */
export function hrvPoints(u: number): number {
  const s = HRV_SCORING;
  let points: number;
  if (u < -1) points = -s.insideSlope - s.belowQuadratic * (u + 1) ** 2;
  else if (u > 1) points = s.insideSlope + s.aboveSlope * (u - 1);
  else points = s.insideSlope * u;
  return clamp(points, s.minContribution, s.maxContribution);
}

/** The lowest ln value a single night can have without costing points: baseline mean − 1 SD. */
export function hrvAcuteEdge(baselineMean: number, baselineSd: number): number {
  return baselineMean - HRV_ACUTE_SCORING.edgeSds * Math.max(baselineSd, HRV_SCORING.sdFloor);
}

/** Points for last night alone: nothing at or above the edge, a loss in proportion below it. */
export function hrvAcutePoints(lastNight: number, edge: number): number {
  const below = Math.max(0, edge - lastNight);
  return Math.max(-HRV_ACUTE_SCORING.pointsPerLnBelowEdge * below, HRV_ACUTE_SCORING.minContribution);
}

export function assessHrv(history: DailyHistory, windows: ReadinessWindows): HrvAssessment {
  const choice = choosePrimarySeries(history, ["ln_rmssd", "ln_sdnn"], windows);
  if (!choice) {
    return {
      component: {
        metric: null, source: null, value: null, baseline: null, normal_band: null, recent_readings: 0,
        last_night: null, trend_contribution: null, acute_contribution: null, contribution: null,
      },
      summary: null,
      contribution: null,
      reasons: ["no_hrv_data: no valid RMSSD or SDNN reading in the baseline or recent window"],
      baselineDays: 0,
      recentReadings: 0,
    };
  }
  const metric: HrvMetric = choice.key === "ln_sdnn" ? "ln_sdnn" : "ln_rmssd";
  const baseline = robustBaseline(history, choice.series, windows.baseline, ROBUST_SD_FLOOR.ln_hrv);
  const recentValues = valuesIn(history, choice.series, windows.recent);
  const recent = baseline ? winsorize(recentValues, baseline, RECENT_FENCE_ROBUST_SDS) : recentValues;
  const recentMean = recent.length > 0 ? mean(recent) : null;
  const halfBand = baseline ? HRV_SCORING.bandSds * Math.max(baseline.sd, HRV_SCORING.sdFloor) : null;

  const reasons: string[] = [];
  if (!baseline) {
    reasons.push(`hrv_baseline_too_short: ${choice.baselineDays} of ${MIN_BASELINE_DAYS} days`);
  }
  if (recent.length < MIN_RECENT_READINGS) {
    reasons.push(`too_few_recent_hrv_readings: ${recent.length} of ${MIN_RECENT_READINGS} in the last ${RECENT_DAYS} days`);
  }
  const trend =
    reasons.length === 0 && baseline && halfBand !== null && recentMean !== null
      ? hrvPoints((recentMean - baseline.mean) / halfBand)
      : null;
  // Last night through the same wide fence as the week, so a ring artifact cannot crash the day.
  const lastNightRaw = valueOn(history, choice.series, windows.day);
  const lastNight = lastNightRaw !== null && baseline ? winsorize(Float64Array.of(lastNightRaw), baseline, RECENT_FENCE_ROBUST_SDS)[0]! : lastNightRaw;
  const acute = trend !== null && baseline && lastNight !== null ? hrvAcutePoints(lastNight, hrvAcuteEdge(baseline.mean, baseline.sd)) : null;
  const contribution = trend === null ? null : trend + (acute ?? 0);

  return {
    component: {
      metric,
      source: choice.source,
      value: recentMean === null ? null : roundTo(recentMean, 3),
      baseline: baseline ? roundTo(baseline.mean, 3) : null,
      normal_band:
        baseline && halfBand !== null
          ? { low: roundTo(baseline.mean - halfBand, 3), high: roundTo(baseline.mean + halfBand, 3) }
          : null,
      recent_readings: recent.length,
      last_night: lastNight === null ? null : roundTo(lastNight, 3),
      trend_contribution: trend === null ? null : roundTo(trend, 1),
      acute_contribution: acute === null ? null : roundTo(acute, 1),
      contribution: contribution === null ? null : roundTo(contribution, 1),
    },
    summary: { source: choice.source, metric, days: choice.baselineDays },
    contribution,
    reasons,
    baselineDays: choice.baselineDays,
    recentReadings: recent.length,
  };
}
