// readiness-1.1.0: the scored night counts on its own beside the 7-day trend. Each scenario compares
// one history with two versions of its last night, so the difference is the night alone.
import { describe, expect, it } from "vitest";
import { ALGORITHM_VERSION, computeReadiness } from "../../workers/readiness";
import type { DailyReadinessInput } from "../../workers/readiness";
import { addDays, generateUser, TYPICAL_ADULT } from "./readiness-scenario";

const START = "2026-01-01";
const DAYS = 90;
const LAST = addDays(START, DAYS - 1);

/** The generated history with its last night replaced by an ordinary one (the usual values). */
function historyWithUsualLastNight(seed: number): DailyReadinessInput[] {
  return generateUser({ seed, source: "oura", start: START, days: DAYS }).map((row) =>
    row.date === LAST
      ? { ...row, rmssd_ms: TYPICAL_ADULT.hrvMs, resting_hr_bpm: TYPICAL_ADULT.restingHrBpm, total_sleep_s: TYPICAL_ADULT.sleepS, efficiency_pct: TYPICAL_ADULT.efficiencyPct }
      : row);
}

const withLastNight = (rows: DailyReadinessInput[], change: Partial<DailyReadinessInput>) =>
  rows.map((row) => (row.date === LAST ? { ...row, ...change } : row));

describe("readiness-1.1.0", () => {
  it("is the version every result carries", () => {
    expect(ALGORITHM_VERSION).toBe("readiness-1.1.0");
    expect(computeReadiness(historyWithUsualLastNight(1), LAST).algorithm_version).toBe("readiness-1.1.0");
  });

  it.each([1, 2, 3, 4, 5])("a 2.5-hour night lowers that day's readiness against the same history with a normal night (seed %i)", (seed) => {
    const normal = historyWithUsualLastNight(seed);
    const short = withLastNight(normal, { total_sleep_s: 2.5 * 3600 });
    const usual = computeReadiness(normal, LAST);
    const cut = computeReadiness(short, LAST);
    expect(cut.score).not.toBeNull();
    // The sleep component alone explains it: 80 points per unit of shortfall against the need, at most −40.
    const need = usual.components.sleep.need_s!;
    const expectedDrop = Math.min(40, 80 * (1 - 9000 / need)) - Math.max(0, 80 * (1 - TYPICAL_ADULT.sleepS / need));
    expect(usual.score! - cut.score!).toBeGreaterThanOrEqual(Math.floor(expectedDrop) - 1);
    expect(usual.score! - cut.score!).toBeLessThanOrEqual(Math.ceil(expectedDrop) + 1);
    expect(usual.score! - cut.score!).toBeGreaterThanOrEqual(25);
  });

  it.each([1, 2, 3, 4, 5])("a 40 percent single-night HRV drop costs 50 points per ln unit below mean − 1 SD, plus its 1/7 share of the trend (seed %i)", (seed) => {
    const normal = historyWithUsualLastNight(seed);
    const crashed = withLastNight(normal, { rmssd_ms: TYPICAL_ADULT.hrvMs * 0.6 });
    const usual = computeReadiness(normal, LAST);
    const crash = computeReadiness(crashed, LAST);

    // The band is mean ± 0.5 SD, so its width is one SD: the acute edge is computed from it here.
    const band = crash.components.hrv.normal_band!;
    const baselineMean = (band.low + band.high) / 2;
    const baselineSd = band.high - band.low;
    // The night is judged after the recent window's wide fence (median − 5 robust SD), which can pull
    // a 40 % drop up a little for a very regular user; it never lifts it back into the normal range.
    const raw = Math.log(TYPICAL_ADULT.hrvMs * 0.6);
    const lastNight = crash.components.hrv.last_night!;
    expect(lastNight).toBeGreaterThanOrEqual(raw - 0.0005);
    expect(lastNight).toBeLessThan(raw + 0.1);
    const expectedAcute = Math.max(-25, -50 * Math.max(0, baselineMean - baselineSd - lastNight));
    expect(crash.components.hrv.acute_contribution!).toBeCloseTo(expectedAcute, 0);
    // An ordinary night costs nothing on its own.
    expect(usual.components.hrv.acute_contribution).toBe(0);

    // The whole move: the acute term plus the change of the weekly trend term.
    const trendChange = crash.components.hrv.trend_contribution! - usual.components.hrv.trend_contribution!;
    const move = usual.score! - crash.score!;
    expect(move).toBeGreaterThanOrEqual(Math.floor(-(expectedAcute + trendChange)) - 1);
    expect(move).toBeLessThanOrEqual(Math.ceil(-(expectedAcute + trendChange)) + 1);
    // For this adult (day-to-day SD 0.12 in ln units) that is about 20 points, where readiness-1.0.0
    // moved 2–4: the same order as +6 bpm of resting heart rate.
    expect(-expectedAcute).toBeGreaterThan(15);
    expect(move).toBeGreaterThanOrEqual(17);
    expect(move).toBeLessThanOrEqual(30);
  });

  it("pulls an impossible overnight reading onto the wide fence before judging it, and caps the term at −25", () => {
    const normal = historyWithUsualLastNight(7);
    const artifact = computeReadiness(withLastNight(normal, { rmssd_ms: 6 }), LAST);
    expect(artifact.components.hrv.acute_contribution).toBeGreaterThanOrEqual(-25);
    expect(artifact.components.hrv.last_night!).toBeGreaterThan(Math.log(6));
  });
});
