// Input and output shapes of the readiness model. Output field names are the wire names of
// CONTRACT §4 (`GET /v1/me/readiness`); the caller adds `computed_at`.

import type { Source } from "../../db/sources";

export type { Source };

/** One night of data: one row per date and source (a merged row per date is accepted too). */
export interface DailyReadinessInput {
  /** YYYY-MM-DD in the user's calendar: the date on which the night ends. */
  date: string;
  source: Source;
  rmssd_ms: number | null;
  sdnn_ms: number | null;
  resting_hr_bpm: number | null;
  total_sleep_s: number | null;
  efficiency_pct: number | null;
}

export type ReadinessLevel = "high" | "moderate" | "low" | "insufficient_data";

/** RMSSD and SDNN are different statistics: each has its own baseline and they are never combined. */
export type HrvMetric = "ln_rmssd" | "ln_sdnn";

export interface HrvComponent {
  metric: HrvMetric | null;
  source: Source | null;
  /** Mean of ln(ms) over the 7-day recent window (artifact nights pulled onto a wide fence first). */
  value: number | null;
  /** Mean of ln(ms) over the 60-day baseline window. */
  baseline: number | null;
  /** The personal normal range of `value`: baseline ± 0.5 SD. */
  normal_band: { low: number; high: number } | null;
  recent_readings: number;
  /** ln(ms) of the scored night itself (readiness-1.1.0); null when that night has no reading. */
  last_night: number | null;
  /** Points from the 7-day mean against the band. */
  trend_contribution: number | null;
  /** Points from last night alone against the band (0 inside or above it); null when not judged. */
  acute_contribution: number | null;
  /** Signed points this component adds to the score (trend + acute); null when it cannot be judged. */
  contribution: number | null;
}

export interface RestingHrComponent {
  source: Source | null;
  /** The night's resting heart rate, bpm. */
  value: number | null;
  /** Mean resting heart rate over the baseline window, bpm. */
  baseline: number | null;
  contribution: number | null;
}

export interface SleepComponent {
  source: Source | null;
  /** The night's total sleep, seconds. */
  value: number | null;
  /** Mean total sleep over the baseline window, seconds. */
  baseline: number | null;
  /** Personal sleep need: the baseline held inside the 7–9 h adult guidance, seconds. */
  need_s: number | null;
  efficiency_pct: number | null;
  efficiency_baseline_pct: number | null;
  contribution: number | null;
}

export interface ReadinessComponents {
  hrv: HrvComponent;
  sleep: SleepComponent;
  resting_hr: RestingHrComponent;
}

/** Which primary source (and, for HRV, which metric) fed each baseline, and how many days it holds. */
export interface MetricBaselineSummary {
  source: Source;
  days: number;
}

export interface BaselineSummary {
  /** Inclusive dates of the baseline window (the 60 days before the recent window). */
  from: string;
  to: string;
  /** Inclusive dates of the recent window (the 7 days ending on the scored date). */
  recent_from: string;
  recent_to: string;
  hrv: (MetricBaselineSummary & { metric: HrvMetric }) | null;
  resting_hr: MetricBaselineSummary | null;
  sleep: MetricBaselineSummary | null;
}

export interface ReadinessResult {
  date: string;
  /** Integer 0–100, or null when the level is `insufficient_data`. */
  score: number | null;
  level: ReadinessLevel;
  /** 0–1: how complete the data behind the score is. */
  confidence: number;
  components: ReadinessComponents;
  baseline: BaselineSummary;
  algorithm_version: string;
  /** Present only when the level is `insufficient_data`: why no score could be given. */
  reasons?: string[];
}
