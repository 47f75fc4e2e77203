import { describe, expect, it } from "vitest";
import { computeReadiness } from "../../workers/readiness";
import { addDays, generateUser, TYPICAL_ADULT } from "./readiness-scenario";

const START = "2025-01-01";
const DAYS = 90;
const LAST = addDays(START, DAYS - 1);

describe("Apple Health (SDNN) users", () => {
  it("get a score from an SDNN baseline, and the HRV component names the metric", () => {
    const rows = generateUser({
      seed: 21, source: "apple_health", start: START, days: DAYS, hrvMetric: "sdnn",
      physiology: { ...TYPICAL_ADULT, hrvMs: 40 },
    });
    const result = computeReadiness(rows, LAST);
    expect(result.score).not.toBeNull();
    expect(result.components.hrv).toMatchObject({ metric: "ln_sdnn", source: "apple_health" });
    expect(result.baseline.hrv).toEqual({ source: "apple_health", metric: "ln_sdnn", days: 60 });
    expect(result.components.hrv.baseline!).toBeCloseTo(Math.log(40), 1);
  });

  it("never blends SDNN with another source's RMSSD", () => {
    const oura = generateUser({ seed: 22, source: "oura", start: START, days: DAYS, physiology: { ...TYPICAL_ADULT, hrvMs: 70 } });
    const apple = generateUser({
      seed: 23, source: "apple_health", start: START, days: DAYS, hrvMetric: "sdnn",
      physiology: { ...TYPICAL_ADULT, hrvMs: 35 },
    });
    const together = computeReadiness([...oura, ...apple], LAST);
    const ouraAlone = computeReadiness(oura, LAST);
    expect(together.components.hrv).toEqual(ouraAlone.components.hrv);
    expect(together.components.hrv.metric).toBe("ln_rmssd");
  });
});

describe("primary source per metric", () => {
  it("prefers oura over whoop when both have equally complete data", () => {
    const oura = generateUser({ seed: 31, source: "oura", start: START, days: DAYS });
    const whoop = generateUser({ seed: 32, source: "whoop", start: START, days: DAYS });
    const result = computeReadiness([...whoop, ...oura], LAST);
    expect(result.baseline.hrv?.source).toBe("oura");
    expect(result.baseline.resting_hr?.source).toBe("oura");
    expect(result.baseline.sleep?.source).toBe("oura");
    // The chosen source's baseline is computed from that source alone.
    expect(result.components).toEqual(computeReadiness(oura, LAST).components);
  });

  it("chooses the source with the most valid baseline days, metric by metric", () => {
    const oura = generateUser({ seed: 33, source: "oura", start: START, days: DAYS, missingRate: 0.5 });
    const whoop = generateUser({ seed: 34, source: "whoop", start: START, days: DAYS }).map((row) => ({
      ...row, total_sleep_s: null, efficiency_pct: null,
    }));
    const result = computeReadiness([...oura, ...whoop], LAST);
    expect(result.baseline.hrv?.source).toBe("whoop");
    expect(result.baseline.resting_hr?.source).toBe("whoop");
    expect(result.baseline.sleep?.source).toBe("oura");
    expect(result.components.sleep.source).toBe("oura");
    expect(result.components.sleep.value).toBe(oura.find((row) => row.date === LAST)?.total_sleep_s ?? null);
  });

  it("moves to the source the user wears now when the old one stopped", () => {
    const stoppedAt = addDays(LAST, -7);
    const oura = generateUser({ seed: 35, source: "oura", start: START, days: DAYS }).filter((row) => row.date < stoppedAt);
    const whoop = generateUser({ seed: 36, source: "whoop", start: addDays(LAST, -29), days: 30 });
    const result = computeReadiness([...oura, ...whoop], LAST);
    // Oura still has more days in the baseline window, but none in the last week.
    expect(result.baseline.hrv).toEqual({ source: "whoop", metric: "ln_rmssd", days: 23 });
    expect(result.baseline.sleep?.source).toBe("whoop");
    expect(result.score).not.toBeNull();
  });

  it("reports each metric's source even while the score is still insufficient", () => {
    const apple = generateUser({ seed: 37, source: "apple_health", start: START, days: 5, hrvMetric: "sdnn" });
    const result = computeReadiness(apple, addDays(START, 4));
    expect(result.level).toBe("insufficient_data");
    expect(result.components.hrv.metric).toBe("ln_sdnn");
    expect(result.baseline.sleep?.source).toBe("apple_health");
  });
});
