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

export function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}
