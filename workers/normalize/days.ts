// Writes one day of canonical rows from everything stored for it: every session keeps its row, and
// the day's main night alone decides the daily rows (or removes them when the day has none).
import {
  deleteDay, deleteHrvDay, deleteSignalDay, upsertHrvDays, upsertSignalDay, upsertSleepDays, upsertSleepSessions,
} from "../lib/daily-rows";
import type { CanonicalNights, Vendor } from "../vendors/types";
import { deleteSessions, deleteVendorDocuments, sessionDates, type Tx } from "./store";

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
  const signalDay = nights.signalDays?.find((day) => day.date === date);
  if (signalDay) await upsertSignalDay(tx, userId, signalDay);
  else await deleteSignalDay(tx, userId, source, date);
}

/** Sorted distinct dates. */
export function uniqueDates(...groups: Iterable<string>[]): string[] {
  const all = new Set<string>();
  for (const group of groups) for (const date of group) all.add(date);
  return [...all].sort();
}

export type RebuildDay = (tx: Tx, userId: string, date: string) => Promise<void>;

/** Drops sleep documents and their sessions, then rebuilds every day they stood on; returns those days. */
export async function removeSleeps(tx: Tx, userId: string, vendor: Vendor, ids: readonly string[], rebuildDay: RebuildDay): Promise<string[]> {
  const previous = await sessionDates(tx, userId, vendor, ids);
  await deleteVendorDocuments(tx, userId, vendor, "sleep", ids);
  await deleteSessions(tx, userId, vendor, ids);
  const dates = uniqueDates(previous.values());
  for (const date of dates) await rebuildDay(tx, userId, date);
  return dates;
}
