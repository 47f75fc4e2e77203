import { describe, expect, it } from "vitest";
import { daysBetween, isCalendarDate, isTimeZone, localDate, todayIn } from "../../workers/lib/calendar";

describe("calendar", () => {
  it("accepts real dates only, never throwing", () => {
    expect(isCalendarDate("2024-02-29")).toBe(true);
    for (const bad of ["2025-02-29", "2025-13-01", "2025-00-10", "2025-1-01", "20250101", "not-a-date"]) {
      expect(isCalendarDate(bad), bad).toBe(false);
    }
  });

  it("agrees with Date's own calendar on every day of four centuries' edge years and a leap cycle", () => {
    const viaDate = (value: string) => {
      const ms = Date.parse(`${value}T00:00:00Z`);
      return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
    };
    for (const year of ["1900", "2000", "2023", "2024", "2100", "0000", "9999"]) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          const value = `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
          expect(isCalendarDate(value), value).toBe(viaDate(value));
        }
      }
    }
  });

  it("knows IANA time zones and refuses anything else", () => {
    expect(isTimeZone("Europe/Berlin")).toBe(true);
    expect(isTimeZone("UTC")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
    expect(isTimeZone("../../etc")).toBe(false);
  });

  it("puts an instant on the user's calendar", () => {
    const instant = Date.parse("2026-03-01T23:30:00Z");
    expect(localDate(instant, "UTC")).toBe("2026-03-01");
    expect(localDate(instant, "Asia/Tokyo")).toBe("2026-03-02");
    expect(todayIn("America/Los_Angeles", instant)).toBe("2026-03-01");
    expect(daysBetween("2026-02-27", "2026-03-01")).toBe(2);
  });

  it("turns the user's day at their midnight, also right after asking within the same minute", () => {
    // Kathmandu is UTC+05:45: its midnight is 18:15 UTC.
    const before = Date.parse("2026-03-01T18:14:59.999Z");
    expect(todayIn("Asia/Kathmandu", before - 30_000)).toBe("2026-03-01");
    expect(todayIn("Asia/Kathmandu", before)).toBe("2026-03-01");
    expect(todayIn("Asia/Kathmandu", before + 1)).toBe("2026-03-02");
    expect(todayIn("Asia/Kathmandu", before + 59_000)).toBe("2026-03-02");
    // Asking about an earlier instant afterwards still answers for that instant.
    expect(todayIn("Asia/Kathmandu", before - 86_400_000)).toBe("2026-02-28");
  });
});
