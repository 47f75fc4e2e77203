// Which dates a recompute scores (workers/insights/recompute.ts): a changed night moves the week after it.
import { describe, expect, it } from "vitest";
import { datesToScore } from "../../workers/insights/recompute";

describe("dates to score", () => {
  it("scores a changed date and the seven after it, never past today, across a year's end", () => {
    expect(datesToScore(["2025-12-28"], "2026-01-31", true)).toEqual([
      "2025-12-28", "2025-12-29", "2025-12-30", "2025-12-31", "2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04",
    ]);
    expect(datesToScore(["2024-02-27"], "2024-03-01", true)).toEqual(["2024-02-27", "2024-02-28", "2024-02-29", "2024-03-01"]);
  });

  it("merges overlapping weeks into one sorted list without repeats", () => {
    expect(datesToScore(["2026-03-05", "2026-03-01", "2026-03-05"], "2026-03-31", true)).toEqual(
      Array.from({ length: 12 }, (_, i) => `2026-03-${String(i + 1).padStart(2, "0")}`),
    );
  });

  it("scores requested dates exactly, dropping those after today", () => {
    expect(datesToScore(["2026-03-09", "2026-03-02", "2026-03-11"], "2026-03-10", false)).toEqual(["2026-03-02", "2026-03-09"]);
  });
});
