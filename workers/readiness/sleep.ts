// Sleep: the night's duration against the personal sleep need, and its efficiency against both the
// clinical threshold and the personal baseline. Efficiency comes from the same source as duration.
import type { Assessment } from "./assessment";
import { robustBaseline } from "./baseline";
import { ROBUST_SD_FLOOR, SLEEP_SCORING } from "./constants";
import type { DailyHistory } from "./history";
import { valueOn } from "./history";
import { choosePrimarySeries } from "./primary-source";
import { clamp, roundTo } from "./stats";
import type { SleepComponent } from "./types";
import type { ReadinessWindows } from "./windows";

/**
 * A user's usual sleep, held inside the 7–9 h adult guidance: habitually short sleepers are measured
 * against 7 h, not against their own deficit.
 */
export function sleepNeedSeconds(baselineMeanS: number): number {
  return clamp(baselineMeanS, SLEEP_SCORING.needMinS, SLEEP_SCORING.needMaxS);
}

export function sleepDurationPoints(sleptS: number, needS: number): number {
  const s = SLEEP_SCORING;
  const ratio = sleptS / needS;
  return ratio < 1
    ? Math.max(-s.shortfallSlope * (1 - ratio), s.minDurationContribution)
    : Math.min(s.surplusSlope * (ratio - 1), s.maxContribution);
}

export function sleepEfficiencyPoints(efficiencyPct: number, baselinePct: number | null): number {
  const s = SLEEP_SCORING;
  const belowHealthy = Math.max(0, s.healthyEfficiencyPct - efficiencyPct);
  const belowUsual = baselinePct === null ? 0 : Math.max(0, baselinePct - efficiencyPct);
  const shortfall = belowHealthy + belowUsual;
  if (shortfall === 0) return 0;
  return Math.max(-s.pointsPerEfficiencyPoint * shortfall, s.minEfficiencyContribution);
}

export function assessSleep(history: DailyHistory, windows: ReadinessWindows): Assessment<SleepComponent> {
  const choice = choosePrimarySeries(history, ["total_sleep_s"], windows);
  if (!choice) {
    return {
      component: {
        source: null, value: null, baseline: null, need_s: null,
        efficiency_pct: null, efficiency_baseline_pct: null, contribution: null,
      },
      summary: null,
      contribution: null,
      baselineDays: 0,
      recentReadings: 0,
    };
  }
  const efficiencySeries = choice.sourceSeries.efficiency_pct;
  const baseline = robustBaseline(history, choice.series, windows.baseline, ROBUST_SD_FLOOR.total_sleep_s);
  const efficiencyBaseline = robustBaseline(history, efficiencySeries, windows.baseline, ROBUST_SD_FLOOR.efficiency_pct);
  const slept = valueOn(history, choice.series, windows.day);
  const efficiency = valueOn(history, efficiencySeries, windows.day);
  const need = baseline ? sleepNeedSeconds(baseline.mean) : null;

  let contribution: number | null = null;
  if (need !== null && slept !== null) {
    const efficiencyPoints = efficiency === null ? 0 : sleepEfficiencyPoints(efficiency, efficiencyBaseline?.mean ?? null);
    contribution = sleepDurationPoints(slept, need) + efficiencyPoints;
  }
  return {
    component: {
      source: choice.source,
      value: slept === null ? null : Math.round(slept),
      baseline: baseline ? Math.round(baseline.mean) : null,
      need_s: need === null ? null : Math.round(need),
      efficiency_pct: efficiency === null ? null : roundTo(efficiency, 1),
      efficiency_baseline_pct: efficiencyBaseline ? roundTo(efficiencyBaseline.mean, 1) : null,
      contribution: contribution === null ? null : roundTo(contribution, 1),
    },
    summary: { source: choice.source, days: choice.baselineDays },
    contribution,
    baselineDays: choice.baselineDays,
    recentReadings: choice.recentReadings,
  };
}
