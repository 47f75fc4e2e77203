// Dates as whole day numbers (days since 1970-01-01) so that windows are plain index ranges.
import { daysInMonth } from "../lib/calendar";

const DAY_MS = 86_400_000;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Day number of a YYYY-MM-DD calendar date; throws on anything else. Arithmetic rather than
 * Date.UTC plus a round trip: a series parses every row's date and every scored date.
 */
export function dayNumber(date: string): number {
  const match = DATE_PATTERN.exec(date);
  if (!match) throw new RangeError("date must be YYYY-MM-DD");
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  // Years before 0100 stay refused, as when this parsed with Date.UTC (which reads them as 19xx).
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new RangeError("date must be a real calendar date");
  }
  // H. Hinnant's days_from_civil, with years starting on 1 March so that leap days come last.
  const marchYear = month <= 2 ? year - 1 : year;
  const era = Math.floor(marchYear / 400);
  const yearOfEra = marchYear - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}


/**
 * YYYY-MM-DD of a day number, as `new Date(day * DAY_MS).toISOString().slice(0, 10)` gives it. A
 * series labels four dates per scored date, and building a Date and its ISO string for each cost
 * more than the scoring; the proleptic Gregorian arithmetic below (H. Hinnant's civil_from_days,
 * the calendar Date itself uses) does not. Years outside 0000–9999 take the Date path, whose
 * output has a different shape there.
 */
export function dateOfDay(day: number): string {
  if (!Number.isInteger(day)) return new Date(day * DAY_MS).toISOString().slice(0, 10);
  const z = day + 719_468; // days since 0000-03-01
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const dayOfMonth = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return new Date(day * DAY_MS).toISOString().slice(0, 10);
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(dayOfMonth).padStart(2, "0")}`;
}
