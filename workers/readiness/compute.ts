// Entry points: one day, or many days over one index of the history (recomputes). Both score a day
// through the same function, so a series always equals the days computed one by one.
import { ALGORITHM_VERSION } from "./constants";
import { dateOfDay, dayNumber } from "./dates";
import type { DailyHistory } from "./history";
import { buildHistory } from "./history";
import { assessHrv } from "./hrv";
import { assessRestingHr } from "./resting-hr";
import { confidenceOf, levelForScore, scoreFromContributions } from "./score";
import { assessSleep } from "./sleep";
import type { DailyReadinessInput, ReadinessResult } from "./types";
import { LOOKBACK_DAYS, windowsFor } from "./windows";

/**
 * Readiness for one date from the user's daily rows. Only rows within the 67 days ending on `date`
 * are read; later rows are ignored, so a recompute of a past date gives what that day would have.
 */
export function computeReadiness(rows: readonly DailyReadinessInput[], date: string): ReadinessResult {
  const day = dayNumber(date);
  return readinessOnDay(buildHistory(rows, day - LOOKBACK_DAYS, day), day, date);
}

/** Readiness for every date in `dates` (in that order), indexing the rows once: O(rows + dates × window). */
export function computeReadinessSeries(
  rows: readonly DailyReadinessInput[],
  dates: readonly string[],
): ReadinessResult[] {
  if (dates.length === 0) return [];
  const days = dates.map(dayNumber);
  let first = Infinity;
  let last = -Infinity;
  for (const day of days) {
    first = Math.min(first, day);
    last = Math.max(last, day);
  }
  const history = buildHistory(rows, first - LOOKBACK_DAYS, last);
  return days.map((day, i) => readinessOnDay(history, day, dates[i]!));
}

function readinessOnDay(history: DailyHistory, day: number, date: string): ReadinessResult {
  const windows = windowsFor(day);
  const hrv = assessHrv(history, windows);
  const assessments = { hrv, sleep: assessSleep(history, windows), resting_hr: assessRestingHr(history, windows) };
  const scored = hrv.reasons.length === 0;
  const score = scored ? scoreFromContributions(assessments) : null;
  const result: ReadinessResult = {
    date,
    score,
    level: levelForScore(score),
    confidence: scored ? confidenceOf(assessments) : 0,
    components: {
      hrv: hrv.component,
      sleep: scored ? assessments.sleep.component : { ...assessments.sleep.component, contribution: null },
      resting_hr: scored ? assessments.resting_hr.component : { ...assessments.resting_hr.component, contribution: null },
    },
    baseline: {
      from: dateOfDay(windows.baseline.from),
      to: dateOfDay(windows.baseline.to),
      recent_from: dateOfDay(windows.recent.from),
      recent_to: dateOfDay(windows.recent.to),
      hrv: hrv.summary,
      resting_hr: assessments.resting_hr.summary,
      sleep: assessments.sleep.summary,
    },
    algorithm_version: ALGORITHM_VERSION,
  };
  if (!scored) result.reasons = hrv.reasons;
  return result;
}
