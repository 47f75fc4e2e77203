// Calendar helpers: vendors speak in offsets and local times, the hub stores UTC instants and local dates.

/** Any RFC 3339 instant (with offset) as RFC 3339 UTC with milliseconds. */
export function toUtcIso(instant: string): string {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError("not an RFC 3339 instant");
  return new Date(ms).toISOString();
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

function dateFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = dateFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    dateFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The YYYY-MM-DD calendar date of an instant in an IANA time zone. */
export function localDate(instantMs: number, timeZone: string): string {
  const parts = dateFormatter(timeZone).formatToParts(new Date(instantMs));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year").padStart(4, "0")}-${part("month")}-${part("day")}`;
}

const OFFSET_PATTERN = /^(?:Z|([+-])(\d{2}):?(\d{2}))$/;

export function isUtcOffset(offset: string): boolean {
  return OFFSET_PATTERN.test(offset);
}

/** The YYYY-MM-DD date of an instant on a clock at a fixed UTC offset ("+hh:mm", "-hh:mm" or "Z"). */
export function dateAtOffset(instant: string, offset: string): string {
  const match = OFFSET_PATTERN.exec(offset);
  if (!match) throw new RangeError("not a UTC offset");
  const [, sign, hours, minutes] = match;
  const offsetMinutes = sign ? (sign === "-" ? -1 : 1) * (Number(hours) * 60 + Number(minutes)) : 0;
  const shifted = new Date(Date.parse(instant) + offsetMinutes * 60_000);
  return shifted.toISOString().slice(0, 10);
}

/** Adds whole days to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const ms = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/**
 * True for a real YYYY-MM-DD date (2026-02-30 is not), in the proleptic Gregorian calendar Date
 * uses. Arithmetic rather than a Date round trip: queue messages carry up to hundreds of dates.
 */
export function isCalendarDate(value: string): boolean {
  const match = CALENDAR_DATE.exec(value);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** Days in a month (1–12) of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/** True for an IANA time zone name the runtime knows (e.g. "Europe/Berlin", "UTC"). */
export function isTimeZone(value: string): boolean {
  if (value.length > 64 || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const MINUTE_MS = 60_000;
/** time zone → today's date there, valid until the end of the UTC minute it was computed in. */
const todays = new Map<string, { date: string; minute: number }>();

/**
 * Today's date in the user's time zone. Every read asks, and Intl's formatting is one of the larger
 * costs of a cached read, so the answer is reused within a UTC minute: local midnights fall on whole
 * UTC minutes in every current zone (offsets are whole minutes).
 */
export function todayIn(timeZone: string, nowMs = Date.now()): string {
  const minute = Math.floor(nowMs / MINUTE_MS);
  const known = todays.get(timeZone);
  if (known?.minute === minute) return known.date;
  const date = localDate(nowMs, timeZone);
  if (todays.size >= 1_000) todays.clear();
  todays.set(timeZone, { date, minute });
  return date;
}

/** Whole days from `from` to `to` (0 when equal; negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
