// Every tunable number of the model lives here so that docs/readiness.md and the code can be checked
// against each other. Changing any of them changes scores: bump ALGORITHM_VERSION with it.
import type { Source } from "./types";

export const ALGORITHM_VERSION = "readiness-1.1.0";

/** Recent window: the 7 days ending on the scored date (Plews 2012/2013: judge the weekly mean). */
export const RECENT_DAYS = 7;
/** Baseline window: the 60 days before the recent window (HRV4Training's ~60-day normal range). */
export const BASELINE_DAYS = 60;
/** A baseline needs this many valid days (Oura takes about two weeks to learn one). */
export const MIN_BASELINE_DAYS = 14;
/**
 * Plews 2014: at least 3 valid HRV readings a week. The same count marks a source as currently worn
 * when choosing the primary source of a metric.
 */
export const MIN_RECENT_READINGS = 3;

/** The score a user gets when every component sits on its baseline. */
export const NEUTRAL_SCORE = 80;

/** Level thresholds: Oura's 70 (a contributor out of range below it), WHOOP's red at ≤ 33. */
export const HIGH_LEVEL_MIN = 70;
export const LOW_LEVEL_MAX = 33;

/** Values outside these ranges are measurement errors, not physiology, and are dropped. */
export const PLAUSIBLE = {
  rmssd_ms: { min: 5, max: 250 },
  sdnn_ms: { min: 5, max: 300 },
  resting_hr_bpm: { min: 25, max: 120 },
  total_sleep_s: { min: 30 * 60, max: 16 * 3600 },
  efficiency_pct: { min: 1, max: 100 },
} as const;

/**
 * Winsorizing fences around the baseline median, in robust SDs (1.4826 × MAD). The baseline's fence
 * is tight because a baseline must describe usual nights; the recent window's is wide so that a
 * genuine 30–40 % HRV drop passes and only readings no physiology produces overnight are pulled in.
 * The floors keep a very regular baseline from producing a fence that clips ordinary nights.
 */
export const BASELINE_FENCE_ROBUST_SDS = 3;
export const RECENT_FENCE_ROBUST_SDS = 5;
export const ROBUST_SD_FLOOR = {
  ln_hrv: 0.05,
  resting_hr_bpm: 2,
  total_sleep_s: 30 * 60,
  efficiency_pct: 3,
} as const;

export const HRV_SCORING = {
  /** Normal band half-width in baseline SDs (Plews' smallest worthwhile change). */
  bandSds: 0.5,
  /** Floor of the baseline SD of ln(HRV), so that tiny day-to-day variation is not over-read. */
  sdFloor: 0.05,
  /** Points per band half-width inside the band. */
  insideSlope: 3,
  /**
   * Below the band the loss grows with the square of the distance d (in band half-widths): a week
   * just outside the band is common in stable users, a week far outside is a real change.
   */
  belowQuadratic: 6,
  /** Points gained per further band half-width above the band. */
  aboveSlope: 3.5,
  minContribution: -60,
  maxContribution: 10,
} as const;

/**
 * readiness-1.1.0: last night's ln value judged on its own, beside the 7-day trend (HRV4Training
 * practice: the day's reading against the ~60-day normal range; Plews 2012 keeps the weekly mean as
 * the trend). A single night is noisier than a weekly mean, so its range is the wider end of the
 * ±0.5–1 SD that HRV4Training describes: baseline mean − 1 SD. Only a night below that edge costs
 * points, in proportion to the distance in ln units (a ratio to the usual): a 40 % overnight drop
 * (ln 0.6 = −0.511) with a baseline SD of 0.10 costs 50 × (0.511 − 0.10) ≈ 21 points, the order of
 * the +6 bpm resting HR that Oura's guidance treats as clearly out of range (−20 here).
 */
export const HRV_ACUTE_SCORING = {
  /** The lower edge of a single night's range, in baseline SDs below the mean. */
  edgeSds: 1,
  /** Points lost per unit of ln(HRV) below that edge. */
  pointsPerLnBelowEdge: 50,
  minContribution: -25,
} as const;

export const RESTING_HR_SCORING = {
  /** Night-to-night noise of ±2 bpm is ignored. */
  deadZoneBpm: 2,
  /** Oura: 3–5 bpm above the usual lowers readiness. */
  pointsPerBpmAbove: 5,
  pointsPerBpmBelow: 1.5,
  minContribution: -30,
  maxContribution: 5,
} as const;

export const SLEEP_SCORING = {
  /** Adult sleep-need guidance (AASM / NSF): 7–9 h. */
  needMinS: 7 * 3600,
  needMaxS: 9 * 3600,
  /** Points lost per unit of shortfall (1 − slept / need). */
  shortfallSlope: 80,
  /** Points gained per unit of surplus (slept / need − 1). */
  surplusSlope: 50,
  minDurationContribution: -40,
  maxContribution: 5,
  /** Sleep medicine's usual threshold for healthy efficiency. */
  healthyEfficiencyPct: 85,
  /** Points lost per efficiency point below the healthy threshold, and again below the personal baseline. */
  pointsPerEfficiencyPoint: 1,
  minEfficiencyContribution: -20,
} as const;

/** Weights used only for confidence: how much of the picture each component carries. */
export const COMPONENT_WEIGHTS = { hrv: 0.5, resting_hr: 0.25, sleep: 0.25 } as const;

/** Tie-break between sources with equally complete data. */
export const SOURCE_PREFERENCE: readonly Source[] = ["oura", "whoop", "health_connect", "apple_health"];
