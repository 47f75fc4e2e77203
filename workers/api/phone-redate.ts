// After a time-zone change, phone days are dated again. Samples uploaded with an offset keep the
// date of the wall clock they were recorded on; samples uploaded in "Z" were dated in the profile's
// zone, so every day they touch (in the old zone and in the new) is rebuilt from its samples.
import { sql } from "drizzle-orm";
import type { Database } from "../lib/db";
import { addDays } from "../lib/calendar";
import { AffectedDays, sendChangedDays } from "../lib/insights-queue";
import type { PhoneSource } from "../vendors/types";
import { reaggregateDays } from "./samples";

/** How far back a zone change re-dates: the readiness model reads at most 67 days. */
export const REDATE_DAYS = 70;

type Tx = Parameters<Parameters<Database["transaction"]>[0]>[0];

/** Rebuilds the phone days whose samples carry no offset; returns the dates rebuilt. */
export async function redatePhoneDays(db: Database, userId: string, fromZone: string, toZone: string): Promise<string[]> {
  if (fromZone === toZone) return [];
  const { rows } = await db.execute<{ source: PhoneSource; before: string; after: string }>(sql`
    SELECT DISTINCT source,
           to_char((end_at AT TIME ZONE ${fromZone})::date, 'YYYY-MM-DD') AS before,
           to_char((end_at AT TIME ZONE ${toZone})::date, 'YYYY-MM-DD') AS after
      FROM phone_samples
     WHERE user_id = ${userId} AND utc_offset_min IS NULL AND end_at >= now() - make_interval(days => ${REDATE_DAYS})`);
  const bySource = new Map<PhoneSource, Set<string>>();
  for (const row of rows) {
    const dates = bySource.get(row.source) ?? new Set<string>();
    // An evening reading belongs to the night that ends the next day.
    for (const date of [row.before, row.after]) dates.add(date).add(addDays(date, 1));
    bySource.set(row.source, dates);
  }
  const all = new Set<string>();
  await db.transaction(async (tx: Tx) => {
    for (const [source, dates] of bySource) {
      const sorted = [...dates].sort();
      await reaggregateDays(tx, { id: userId, timezone: toZone }, { source }, sorted);
      for (const date of sorted) all.add(date);
    }
  });
  return [...all].sort();
}

/** Re-dates after a zone change and asks for readiness of the rebuilt dates. */
export async function redateAndRecompute(db: Database, queue: Queue<unknown>, userId: string, fromZone: string, toZone: string): Promise<void> {
  const dates = await redatePhoneDays(db, userId, fromZone, toZone);
  if (dates.length === 0) return;
  const days = new AffectedDays();
  days.add(userId, ...dates);
  await sendChangedDays(queue, days);
}
