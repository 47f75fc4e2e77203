// The window of time the API accepts from clients: from two years ago (the retention horizon of every
// biometric table) to one day ahead (clock skew, time zones east of UTC). Anything outside it is a
// client error, not data: a sample dated 1700 or 9000 would otherwise create years of readiness
// snapshots and, on TimescaleDB, chunks that retention never removes.

export const ACCEPTED_PAST_YEARS = 2;
export const ACCEPTED_FUTURE_MS = 24 * 3_600_000;
/** Local calendar dates run up to 14 hours ahead of UTC and 12 behind: dates get one day each side. */
const ZONE_SLACK_DAYS = 1;

export interface AcceptedInstants {
  fromMs: number;
  toMs: number;
}

export function acceptedInstants(nowMs = Date.now()): AcceptedInstants {
  const from = new Date(nowMs);
  from.setUTCFullYear(from.getUTCFullYear() - ACCEPTED_PAST_YEARS);
  return { fromMs: from.getTime(), toMs: nowMs + ACCEPTED_FUTURE_MS };
}

/** Why an instant is refused, or null when it is inside the window. */
export function instantOutOfRange(instantMs: number, window = acceptedInstants()): string | null {
  if (instantMs < window.fromMs) return `is more than ${ACCEPTED_PAST_YEARS} years ago`;
  if (instantMs > window.toMs) return "is more than a day ahead";
  return null;
}

const dayMs = 86_400_000;

/** True for a YYYY-MM-DD date that some time zone's calendar shows inside the accepted window. */
export function isAcceptedDate(date: string, nowMs = Date.now()): boolean {
  const window = acceptedInstants(nowMs);
  const from = new Date(window.fromMs - ZONE_SLACK_DAYS * dayMs).toISOString().slice(0, 10);
  const to = new Date(window.toMs + ZONE_SLACK_DAYS * dayMs).toISOString().slice(0, 10);
  return date >= from && date <= to;
}
