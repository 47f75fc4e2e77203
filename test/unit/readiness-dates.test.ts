import { describe, expect, it } from "vitest";
import { dateOfDay, dayNumber } from "../../workers/readiness/dates";

const DAY_MS = 86_400_000;
/** What dateOfDay must always return: the label the Date object gives. */
const viaDate = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

describe("readiness day numbers", () => {
  it("labels every day from 1896 to 2104 (leap years, 1900 and 2100 not) exactly as Date does", () => {
    const mismatches: number[] = [];
    for (let day = dayNumber("1896-01-01"); day <= dayNumber("2104-12-31"); day++) {
      if (dateOfDay(day) !== viaDate(day)) mismatches.push(day);
    }
    expect(mismatches).toEqual([]);
  });

  it("labels the edges of four-digit years and of the Date range exactly as Date does", () => {
    const year0 = Date.parse("0000-01-01T00:00:00Z") / DAY_MS;
    const year10000 = Date.UTC(10000, 0, 1) / DAY_MS;
    const edges = [-1e8, -1e8 + 1, 1e8 - 1, 1e8];
    for (let i = -800; i <= 800; i++) edges.push(year0 + i, year10000 + i);
    for (const day of edges) expect(dateOfDay(day)).toBe(viaDate(day));
    expect(dateOfDay(0)).toBe("1970-01-01");
  });

  it("numbers every date from 1896 to 2104 exactly as Date.UTC does", () => {
    const mismatches: string[] = [];
    for (let ms = Date.UTC(1896, 0, 1); ms <= Date.UTC(2104, 11, 31); ms += DAY_MS) {
      const date = new Date(ms).toISOString().slice(0, 10);
      if (dayNumber(date) !== ms / DAY_MS) mismatches.push(date);
    }
    expect(mismatches).toEqual([]);
  });

  it("round-trips dates and refuses what is not a real YYYY-MM-DD date", () => {
    for (const date of ["2024-02-29", "2000-02-29", "1999-12-31", "2025-03-01"]) expect(dateOfDay(dayNumber(date))).toBe(date);
    for (const date of ["2025-02-29", "1900-02-29", "2025-13-01", "2025-00-10", "2025-04-31", "0099-01-01", "0000-03-01", "2025-1-01", "2025-01-01T00:00:00Z", "２０２５-01-01"]) {
      expect(() => dayNumber(date)).toThrow(RangeError);
    }
  });
});
