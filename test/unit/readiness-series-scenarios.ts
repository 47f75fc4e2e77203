// Generated histories for checking the many-date path against single dates and against digests:
// gaps, artifacts, several sources changing hands, SDNN-only and mixed-metric sources, duplicates.
import type { DailyReadinessInput } from "../../workers/readiness";
import { addDays, generateUser, seededRandom, TYPICAL_ADULT } from "./readiness-scenario";

const START = "2023-01-01";

export interface Scenario {
  rows: DailyReadinessInput[];
  dates: string[];
}

/** Every date from a week before the history to a week after it, so that both edges are scored. */
function datesAround(first: string, days: number): string[] {
  return Array.from({ length: days + 14 }, (_, i) => addDays(first, i - 7));
}

/** Shuffles a copy with a seeded generator, so that no code path may rely on sorted input. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const copy = items.slice();
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/**
 * Nights a sensor got wrong: some implausible (dropped by the model), some plausible but extreme
 * (pulled onto a fence by winsorizing), some with a field missing.
 */
function withArtifacts(rows: DailyReadinessInput[], seed: number, rate: number): DailyReadinessInput[] {
  const random = seededRandom(seed);
  const pick = <T>(choices: readonly T[]) => choices[Math.floor(random() * choices.length)]!;
  return rows.map((row) => {
    if (random() >= rate) return row;
    const hrv = pick([240, 6, 8, 180, 0, -5, 1e9, Number.NaN, Number.POSITIVE_INFINITY, null]);
    return {
      ...row,
      rmssd_ms: row.rmssd_ms === null ? null : hrv,
      sdnn_ms: row.sdnn_ms === null ? null : hrv,
      resting_hr_bpm: pick([95, 30, 119, 0, 400, null, row.resting_hr_bpm]),
      total_sleep_s: pick([31 * 60, 15.9 * 3600, 39 * 3600, -1, null, row.total_sleep_s]),
      efficiency_pct: pick([1, 100, 55, 250, 0, null, row.efficiency_pct]),
    };
  });
}

export const SCENARIOS: Record<string, () => Scenario> = {
  // Two years from one ring with gaps, artifacts and a hard fortnight (illness) in the middle.
  oura_gaps_and_outliers: () => {
    const rows = withArtifacts(
      generateUser({
        seed: 101, source: "oura", start: START, days: 730, missingRate: 0.2,
        physiologyOn: (night, usual) =>
          night >= 300 && night < 314 ? { ...usual, hrvMs: usual.hrvMs * 0.6, restingHrBpm: usual.restingHrBpm + 7 } : usual,
      }),
      102,
      0.06,
    );
    return { rows, dates: datesAround(START, 730) };
  },
  // WHOOP first, then an Oura ring worn alongside and afterwards alone, and a phone with sparse data
  // throughout: the primary source of every metric changes hands more than once.
  switching_sources: () => {
    const rows = [
      ...generateUser({ seed: 111, source: "whoop", start: START, days: 420, missingRate: 0.1 }),
      ...generateUser({
        seed: 112, source: "oura", start: addDays(START, 330), days: 400, missingRate: 0.15,
        physiology: { ...TYPICAL_ADULT, hrvMs: 70, sleepS: 6.4 * 3600 },
      }),
      ...generateUser({ seed: 113, source: "health_connect", start: START, days: 730, missingRate: 0.75 }),
      // A phone app with near-complete sleep and heart rate but no HRV for a while: it takes over
      // sleep and resting HR while HRV stays with a wearable.
      ...generateUser({ seed: 115, source: "apple_health", start: addDays(START, 200), days: 300, missingRate: 0.02 }).map(
        (row) => ({ ...row, rmssd_ms: null }),
      ),
    ];
    return { rows: shuffled(rows, 114), dates: datesAround(START, 730) };
  },
  // Apple only: SDNN, a long sleeper, a month off the watch, artifacts.
  apple_sdnn_only: () => {
    const rows = withArtifacts(
      generateUser({
        seed: 121, source: "apple_health", start: START, days: 500, hrvMetric: "sdnn", missingRate: 0.3,
        physiology: { ...TYPICAL_ADULT, hrvMs: 38, sleepS: 9.6 * 3600, efficiencyPct: 80 },
      }).filter((row) => row.date < addDays(START, 200) || row.date > addDays(START, 230)),
      122,
      0.05,
    );
    return { rows, dates: datesAround(START, 500) };
  },
  // RMSSD from Oura and SDNN from Apple, Oura dropping out for six weeks; some Apple nights carry
  // RMSSD too, so one source holds both metrics. Duplicate (date, source) rows: the last must win.
  mixed_metrics_and_duplicates: () => {
    const oura = generateUser({ seed: 131, source: "oura", start: START, days: 400, missingRate: 0.1 }).filter(
      (row) => row.date < addDays(START, 150) || row.date > addDays(START, 192),
    );
    const appleRandom = seededRandom(133);
    const apple = generateUser({ seed: 132, source: "apple_health", start: START, days: 400, hrvMetric: "sdnn", missingRate: 0.3 }).map((row) =>
      appleRandom() < 0.3 ? { ...row, rmssd_ms: row.sdnn_ms! * 1.2 } : row,
    );
    const replaced = generateUser({ seed: 134, source: "oura", start: addDays(START, 100), days: 40, missingRate: 0.5 });
    const rows = [...oura, ...apple, ...replaced];
    return { rows, dates: shuffled([...datesAround(START, 400), addDays(START, 120), addDays(START, 120), "2019-05-05"], 135) };
  },
  // A sparse wearer who rarely has three readings a week: mostly insufficient data.
  sparse_wearer: () => ({
    rows: generateUser({ seed: 141, source: "whoop", start: START, days: 300, missingRate: 0.6 }),
    dates: datesAround(START, 300),
  }),
};
