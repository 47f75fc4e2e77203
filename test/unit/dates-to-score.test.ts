// Which dates a recompute scores (durable-objects/recompute.ts): a changed night moves every later
// day whose recent window or baseline reads it.
import { describe, expect, it } from "vitest";
import { datesToScore } from "../../durable-objects/recompute";
import { computeReadinessSeries } from "../../workers/readiness";
import { addDays, generateUser } from "./readiness-scenario";

describe("dates to score", () => {
  it("covers every date whose score a changed night moves, and stops at today", () => {
    const start = "2025-01-01";
    const rows = generateUser({ seed: 7, source: "oura", start, days: 200 });
    const today = addDays(start, 199);
    const changed = addDays(start, 100);
    const edited = rows.map((row) => (row.date === changed
      ? { ...row, rmssd_ms: row.rmssd_ms! * 1.6, resting_hr_bpm: row.resting_hr_bpm! + 6, total_sleep_s: row.total_sleep_s! - 5_400 }
      : row));
    const dates = Array.from({ length: 200 }, (_, i) => addDays(start, i));
    const before = computeReadinessSeries(rows, dates);
    const after = computeReadinessSeries(edited, dates);
    const moved = dates.filter((_, i) => JSON.stringify(before[i]) !== JSON.stringify(after[i]));

    const scored = datesToScore([changed], today, true);
    expect(moved.length).toBeGreaterThan(8); // the baseline reaches well past the changed week
    for (const date of moved) expect(scored, date).toContain(date);
    expect(scored[0]).toBe(changed);
    expect(scored.at(-1)).toBe(addDays(changed, 66)); // the last day whose baseline reads it
    expect(datesToScore([addDays(today, -3)], today, true)).toEqual([0, 1, 2, 3].map((i) => addDays(today, -3 + i)));
  });

  it("merges overlapping spans into one sorted list without repeats, across a leap day", () => {
    const scored = datesToScore(["2024-03-05", "2024-02-27", "2024-03-05"], "2024-03-10", true);
    expect(scored).toEqual(Array.from({ length: 13 }, (_, i) => addDays("2024-02-27", i)));
  });

  it("scores requested dates exactly, dropping those after today", () => {
    expect(datesToScore(["2026-03-09", "2026-03-02", "2026-03-11"], "2026-03-10", false)).toEqual(["2026-03-02", "2026-03-09"]);
  });
});
