import { describe, expect, it } from "vitest";
import type { DailyReadinessInput, ReadinessResult } from "../../workers/readiness";
import { computeReadiness, computeReadinessSeries } from "../../workers/readiness";
import { addDays, generateUser, seededRandom } from "./readiness-scenario";

const START = "2025-01-01";
const DAYS = 120;
const LAST = addDays(START, DAYS - 1);

function numbersIn(value: unknown): number[] {
  if (typeof value === "number") return [value];
  if (value === null || typeof value !== "object") return [];
  return Object.values(value).flatMap(numbersIn);
}

function expectWellFormed(result: ReadinessResult) {
  expect(numbersIn(result).every(Number.isFinite)).toBe(true);
  expect(result.confidence).toBeGreaterThanOrEqual(0);
  expect(result.confidence).toBeLessThanOrEqual(1);
  if (result.score !== null) {
    expect(Number.isInteger(result.score)).toBe(true);
    expect(result.score).toBeGreaterThanOrEqual(0);
    expect(result.score).toBeLessThanOrEqual(100);
  }
}

function onNight(rows: DailyReadinessInput[], date: string, change: Partial<DailyReadinessInput>) {
  return rows.map((row) => (row.date === date ? { ...row, ...change } : row));
}

describe("gaps and outliers", () => {
  it("keeps every score finite and in range through gaps and implausible values", () => {
    const random = seededRandom(41);
    const garbage = [300, 0, -5, 1e9, Number.NaN, Number.POSITIVE_INFINITY, null];
    const rows = generateUser({ seed: 41, source: "oura", start: START, days: DAYS, missingRate: 0.35 }).map((row) =>
      random() < 0.15
        ? {
            ...row,
            rmssd_ms: garbage[Math.floor(random() * garbage.length)]!,
            resting_hr_bpm: garbage[Math.floor(random() * garbage.length)]!,
            total_sleep_s: random() < 0.5 ? 39 * 3600 : -1,
            efficiency_pct: random() < 0.5 ? 250 : 0,
          }
        : row,
    );
    const dates = Array.from({ length: DAYS }, (_, i) => addDays(START, i));
    const results = computeReadinessSeries(rows, dates);
    results.forEach(expectWellFormed);
    expect(results.filter((r) => r.score !== null).length).toBeGreaterThan(30);
  });

  it("ignores a 300 ms RMSSD night as if it were missing", () => {
    const rows = generateUser({ seed: 42, source: "oura", start: START, days: DAYS });
    const night = addDays(LAST, -2);
    const withOutlier = computeReadiness(onNight(rows, night, { rmssd_ms: 300 }), LAST);
    const withGap = computeReadiness(onNight(rows, night, { rmssd_ms: null }), LAST);
    expectWellFormed(withOutlier);
    expect(withOutlier).toEqual(withGap);
    expect(withOutlier.components.hrv.recent_readings).toBe(6);
  });

  it("pulls a plausible but extreme night onto the fence instead of letting it swing the week", () => {
    const rows = generateUser({ seed: 43, source: "oura", start: START, days: DAYS });
    const night = addDays(LAST, -3);
    const usual = computeReadiness(rows, LAST);
    const artifact = computeReadiness(onNight(rows, night, { rmssd_ms: 8 }), LAST);
    // Unclipped, ln(8 / 55) / 7 would move the weekly mean by about 0.28.
    expect(usual.components.hrv.value! - artifact.components.hrv.value!).toBeLessThan(0.12);
    expect(usual.score! - artifact.score!).toBeLessThan(20);
    expect(artifact.level).not.toBe("low");
  });

  it("keeps a baseline stable when it holds a few wild nights", () => {
    const rows = generateUser({ seed: 44, source: "oura", start: START, days: DAYS });
    const wild = [20, 35, 50].map((i) => addDays(LAST, -i));
    const spiked = rows.map((row) => (wild.includes(row.date) ? { ...row, rmssd_ms: 240, resting_hr_bpm: 95 } : row));
    const clean = computeReadiness(rows, LAST);
    const noisy = computeReadiness(spiked, LAST);
    expect(Math.abs(noisy.components.hrv.baseline! - clean.components.hrv.baseline!)).toBeLessThan(0.05);
    expect(Math.abs(noisy.components.resting_hr.baseline! - clean.components.resting_hr.baseline!)).toBeLessThan(1);
    expect(Math.abs(noisy.score! - clean.score!)).toBeLessThanOrEqual(5);
  });

  it("lowers confidence, not the score's validity, when nights are missing", () => {
    const full = generateUser({ seed: 45, source: "oura", start: START, days: DAYS });
    const sparse = full.filter((row, i) => i % 2 === 0 || row.date === LAST);
    const complete = computeReadiness(full, LAST);
    const patchy = computeReadiness(sparse, LAST);
    expect(patchy.score).not.toBeNull();
    expect(patchy.confidence).toBeLessThan(complete.confidence);
    expect(patchy.confidence).toBeGreaterThan(0.4);
  });

  it("scores from HRV alone with lower confidence when sleep and resting HR are absent", () => {
    const rows = generateUser({ seed: 46, source: "oura", start: START, days: DAYS }).map((row) => ({
      ...row, resting_hr_bpm: null, total_sleep_s: null, efficiency_pct: null,
    }));
    const result = computeReadiness(rows, LAST);
    expect(result.score).not.toBeNull();
    expect(result.confidence).toBe(0.5);
    expect(result.components.sleep).toMatchObject({ source: null, value: null, baseline: null, contribution: null });
    expect(result.baseline.resting_hr).toBeNull();
  });

  it("leaves a component out of the score on a night its value is missing", () => {
    const rows = generateUser({ seed: 47, source: "oura", start: START, days: DAYS });
    const result = computeReadiness(onNight(rows, LAST, { resting_hr_bpm: null }), LAST);
    expect(result.components.resting_hr.value).toBeNull();
    expect(result.components.resting_hr.baseline).not.toBeNull();
    expect(result.components.resting_hr.contribution).toBeNull();
    expect(result.score).not.toBeNull();
  });
});

describe("inputs", () => {
  it("ignores rows dated after the scored date", () => {
    const rows = generateUser({ seed: 48, source: "oura", start: START, days: DAYS });
    const date = addDays(START, 90);
    expect(computeReadiness(rows, date)).toEqual(computeReadiness(rows.filter((row) => row.date <= date), date));
  });

  it("does not depend on the order of the rows", () => {
    const rows = generateUser({ seed: 49, source: "whoop", start: START, days: DAYS, missingRate: 0.2 });
    expect(computeReadiness(rows.slice().reverse(), LAST)).toEqual(computeReadiness(rows, LAST));
  });

  it("refuses a target date that is not a YYYY-MM-DD calendar date", () => {
    expect(() => computeReadiness([], "2025-02-30")).toThrow(RangeError);
    expect(() => computeReadiness([], "20250101")).toThrow(RangeError);
  });
});
