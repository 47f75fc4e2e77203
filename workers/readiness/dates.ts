// Dates as whole day numbers (days since 1970-01-01) so that windows are plain index ranges.

const DAY_MS = 86_400_000;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Day number of a YYYY-MM-DD calendar date; throws on anything else. */
export function dayNumber(date: string): number {
  const match = DATE_PATTERN.exec(date);
  if (!match) throw new RangeError("date must be YYYY-MM-DD");
  const [, year, month, day] = match;
  const ms = Date.UTC(Number(year), Number(month) - 1, Number(day));
  const day0 = ms / DAY_MS;
  // Date.UTC rolls 2025-02-30 over into March; a round trip catches it.
  if (dateOfDay(day0) !== date) throw new RangeError("date must be a real calendar date");
  return day0;
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
