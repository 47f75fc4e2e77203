// What each component hands to the scorer besides its wire-facing component object.
import type { MetricBaselineSummary } from "./types";

export interface Assessment<Component, Summary = MetricBaselineSummary> {
  component: Component;
  summary: Summary | null;
  /** Unrounded points added to the neutral score; null when the component cannot be judged today. */
  contribution: number | null;
  /** Valid days in the baseline window and in the recent window of the primary source (for confidence). */
  baselineDays: number;
  recentReadings: number;
}
