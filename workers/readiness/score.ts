// From component contributions to the day's score, level and confidence.
import type { Assessment } from "./assessment";
import {
  BASELINE_DAYS, COMPONENT_WEIGHTS, HIGH_LEVEL_MIN, LOW_LEVEL_MAX, NEUTRAL_SCORE, RECENT_DAYS,
} from "./constants";
import { clamp, roundTo } from "./stats";
import type { ReadinessComponents, ReadinessLevel } from "./types";

type ComponentAssessments = { [K in keyof ReadinessComponents]: Assessment<ReadinessComponents[K], unknown> };

/** Neutral score plus every contribution; a component that cannot be judged adds nothing. */
export function scoreFromContributions(assessments: ComponentAssessments): number {
  let total = NEUTRAL_SCORE;
  for (const assessment of Object.values(assessments)) total += assessment.contribution ?? 0;
  return Math.round(clamp(total, 0, 100));
}

export function levelForScore(score: number | null): ReadinessLevel {
  if (score === null) return "insufficient_data";
  if (score >= HIGH_LEVEL_MIN) return "high";
  if (score <= LOW_LEVEL_MAX) return "low";
  return "moderate";
}

/**
 * Σ over judged components of weight × (½·√(baseline days / 60) + ½·recent readings / 7).
 * The square root follows the standard error of a mean: a 15-day baseline is half as precise as a
 * full one, not a quarter.
 */
export function confidenceOf(assessments: ComponentAssessments): number {
  let confidence = 0;
  for (const name of Object.keys(COMPONENT_WEIGHTS) as (keyof ReadinessComponents)[]) {
    const assessment = assessments[name];
    if (assessment.contribution === null) continue;
    const baselineLength = Math.sqrt(Math.min(1, assessment.baselineDays / BASELINE_DAYS));
    const recentCompleteness = Math.min(1, assessment.recentReadings / RECENT_DAYS);
    confidence += COMPONENT_WEIGHTS[name] * (0.5 * baselineLength + 0.5 * recentCompleteness);
  }
  return roundTo(clamp(confidence, 0, 1), 2);
}
