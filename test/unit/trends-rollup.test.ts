// The pure part of the weekly trends rollup: which weeks a recompute rewrites, which week it
// announces as closed, and how a week picks its sources (one per metric, RMSSD and SDNN never mixed).
import { describe, expect, it } from "vitest";
import { rollupWeeks, weeksAffectedBy, weekToAnnounce, type HrvRow } from "../../workers/readiness/trends-rollup";

const dates = (from: string, count: number) =>
  Array.from({ length: count }, (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));

describe("weeksAffectedBy", () => {
  it("gives each rescored date's week and the four weeks after it, never after today's week", () => {
    // 2026-12-03 is a Thursday; 2026-11-04 a Wednesday of the week starting 2026-11-02.
    expect(weeksAffectedBy(["2026-11-04"], "2026-12-03")).toEqual(["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30"]);
    expect(weeksAffectedBy(["2026-11-25", "2026-11-26", "2026-12-03"], "2026-12-03")).toEqual(["2026-11-23", "2026-11-30"]);
    expect(weeksAffectedBy(["2026-09-07"], "2026-12-03")).toEqual(["2026-09-07", "2026-09-14", "2026-09-21", "2026-09-28", "2026-10-05"]);
  });
});

describe("weekToAnnounce", () => {
  it("announces the week that ended last Sunday on the first recompute of a new week, once", () => {
    expect(weekToAnnounce("2026-12-03", ["2026-12-03"], undefined)).toBe("2026-11-23");
    expect(weekToAnnounce("2026-12-03", ["2026-12-03"], "2026-11-16")).toBe("2026-11-23");
    expect(weekToAnnounce("2026-12-03", ["2026-12-03"], "2026-11-23")).toBeNull();
  });

  it("announces it again when the recompute scored its Sunday, and on a Sunday the week ending that day", () => {
    expect(weekToAnnounce("2026-12-03", ["2026-11-29", "2026-11-30"], "2026-11-23")).toBe("2026-11-23");
    expect(weekToAnnounce("2026-11-29", ["2026-11-29"], "2026-11-23")).toBe("2026-11-23");
    expect(weekToAnnounce("2026-11-29", ["2026-11-29"], "2026-11-16")).toBe("2026-11-23");
    expect(weekToAnnounce("2026-11-28", ["2026-11-28"], "2026-11-16")).toBeNull();
  });
});

describe("rollupWeeks", () => {
  const sdnn = (date: string): HrvRow => ({ date, source: "apple_health", rmssd_ms: null, sdnn_ms: 60, resting_hr_bpm: null });
  const rmssd = (date: string, value: number): HrvRow => ({ date, source: "oura", rmssd_ms: value, sdnn_ms: null, resting_hr_bpm: 50 });

  it("takes the week's own source after a change of device, and compares it only with that source", () => {
    // Four weeks of Apple Watch (SDNN), then Oura (RMSSD) from Monday 2026-11-30.
    const hrv = [...dates("2026-11-02", 28).map(sdnn), ...dates("2026-11-30", 4).map((d, i) => rmssd(d, 40 + i))];
    const [week] = rollupWeeks({ hrv, sleep: [], snapshots: [] }, ["2026-11-30"], "2026-12-03");
    expect(week).toMatchObject({
      hrv_metric: "rmssd",
      sources: { hrv_ms: "oura", resting_hr_bpm: "oura", total_sleep_s: null },
      means: { hrv_ms: 41.5, resting_hr_bpm: 50, total_sleep_s: null, readiness_score: null },
      counts: { hrv_ms: 4, resting_hr_bpm: 4, total_sleep_s: 0, readiness_score: 0 },
      // No Oura night in the four weeks before: nothing to compare with, and never the SDNN weeks.
      change_vs_previous_4_weeks: { hrv_ms: null, resting_hr_bpm: null },
      days: 4,
    });
  });

  it("keeps the source with the most days over five weeks when two were worn in the week", () => {
    const hrv = [...dates("2026-11-02", 32).map((d) => rmssd(d, 50)), sdnn("2026-11-30")];
    const [week] = rollupWeeks({ hrv, sleep: [], snapshots: [] }, ["2026-11-30"], "2026-12-03");
    expect(week).toMatchObject({ hrv_metric: "rmssd", sources: { hrv_ms: "oura" }, means: { hrv_ms: 50 }, change_vs_previous_4_weeks: { hrv_ms: 0 } });
  });

  it("lists the flagged dates and says them in words for the week's own seven days", () => {
    const sleep = dates("2026-11-23", 7).map((date, i) => ({ date, source: "oura", total_sleep_s: i < 2 ? 6 * 3600 : 8 * 3600 }));
    const snapshots = dates("2026-11-23", 7).map((date, i) => ({ date, score: 60 + i, below: i === 6, algorithm_version: "readiness-1.1.0" }));
    const [week] = rollupWeeks({ hrv: [], sleep, snapshots }, ["2026-11-23"], "2026-12-03");
    expect(week).toMatchObject({
      short_sleep_dates: ["2026-11-23", "2026-11-24"], hrv_below_band_dates: ["2026-11-29"],
      flags: ["HRV below your normal range 1 of the week's 7 days", "Under 7 hours of sleep 2 of the week's 7 nights"],
      means: { readiness_score: 63 }, algorithm_version: "readiness-1.1.0",
    });
  });
});
