// Writes one day of canonical rows from everything stored for it: every session keeps its row, and
// the day's main night alone decides the daily rows (or removes them when the day has none).
import { deleteDay, deleteHrvDay, upsertHrvDays, upsertSleepDays, upsertSleepSessions } from "../lib/daily-rows";
import type { CanonicalNights, Vendor } from "../vendors/types";
import type { Tx } from "./store";

export async function writeDay(tx: Tx, userId: string, source: Vendor, date: string, nights: CanonicalNights): Promise<void> {
  await upsertSleepSessions(tx, userId, nights.sessions);
  const sleepDay = nights.sleepDays.find((day) => day.date === date);
  if (!sleepDay) {
    await deleteDay(tx, userId, source, date);
    return;
  }
  await upsertSleepDays(tx, userId, [sleepDay]);
  const hrvDay = nights.hrvDays.find((day) => day.date === date);
  if (hrvDay) await upsertHrvDays(tx, userId, [hrvDay]);
  else await deleteHrvDay(tx, userId, source, date);
}

/** Sorted distinct dates. */
export function uniqueDates(...groups: Iterable<string>[]): string[] {
  const all = new Set<string>();
  for (const group of groups) for (const date of group) all.add(date);
  return [...all].sort();
}
