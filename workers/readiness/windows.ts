// The two windows every component reads. The baseline ends where the recent window starts, so a
// bad week is compared with the weeks before it rather than partly with itself.
import { BASELINE_DAYS, RECENT_DAYS } from "./constants";
import type { DayRange } from "./history";

export interface ReadinessWindows {
  day: number;
  recent: DayRange;
  baseline: DayRange;
}

export function windowsFor(day: number): ReadinessWindows {
  const recentFrom = day - RECENT_DAYS + 1;
  return {
    day,
    recent: { from: recentFrom, to: day },
    baseline: { from: recentFrom - BASELINE_DAYS, to: recentFrom - 1 },
  };
}

/** How many days of history before a date the model ever reads. */
export const LOOKBACK_DAYS = RECENT_DAYS + BASELINE_DAYS - 1;
