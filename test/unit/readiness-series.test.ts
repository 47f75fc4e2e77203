import { describe, expect, it } from "vitest";
import { computeReadiness, computeReadinessSeries } from "../../workers/readiness";
import { addDays, generateUser } from "./readiness-scenario";

const START = "2023-01-01";
const TWO_YEARS = 730;

function twoYearsOfTwoSources() {
  return [
    ...generateUser({ seed: 51, source: "oura", start: START, days: TWO_YEARS, missingRate: 0.1 }),
    ...generateUser({ seed: 52, source: "apple_health", start: addDays(START, 200), days: TWO_YEARS - 200, hrvMetric: "sdnn" }),
  ];
}

describe("readiness series", () => {
  it("equals the per-day result for every date, in the order asked", () => {
    const rows = [
      ...generateUser({ seed: 53, source: "whoop", start: START, days: 200, missingRate: 0.3 }),
      ...generateUser({ seed: 54, source: "health_connect", start: addDays(START, 60), days: 140, missingRate: 0.2 }),
    ];
    const dates = Array.from({ length: 210 }, (_, i) => addDays(START, i)).reverse();
    dates.push(addDays(START, 100), "2022-06-01");
    const series = computeReadinessSeries(rows, dates);
    expect(series.map((r) => r.date)).toEqual(dates);
    expect(series).toEqual(dates.map((date) => computeReadiness(rows, date)));
    expect(series.some((r) => r.score !== null)).toBe(true);
    expect(series.some((r) => r.level === "insufficient_data")).toBe(true);
  });

  it("returns nothing for no dates", () => {
    expect(computeReadinessSeries(twoYearsOfTwoSources(), [])).toEqual([]);
  });
});

// Speed is measured by `npm run bench:readiness` (model in-process and the hub end to end), not here:
// timed assertions on a shared machine fail for reasons that are not the code's.
