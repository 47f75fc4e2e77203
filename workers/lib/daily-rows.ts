// Writes of canonical daily rows and sleep sessions, shared by the vendor consumer and phone uploads.
// Every write is an upsert on the natural key: a redelivered object replaces its row, never adds to it.
import { and, eq, sql } from "drizzle-orm";
import { dailySignals, hrvDaily, sleepDaily, sleepSessions } from "../../db/schema";
import { isShortNight, type HrvDay, type SignalDay, type SleepDay, type SleepSession } from "./canonical-rows";
import type { BatchStatement, Database } from "./db";
import { clearSignalColumns } from "./signal-columns";

type Tx = Pick<Database, "insert" | "delete" | "execute">;


export async function upsertSleepDays(db: Tx, userId: string, days: readonly SleepDay[]): Promise<void> {
  await sleepDaysUpsert(db, userId, days);
}

/** The upsert of `days` as one statement, not yet run (none for no days). */
export function sleepDaysUpsert(db: Tx, userId: string, days: readonly SleepDay[]): BatchStatement | undefined {
  if (days.length === 0) return undefined;
  return db
    .insert(sleepDaily)
    .values(days.map((d) => ({
      userId, date: d.date, source: d.source,
      totalSleepS: d.total_sleep_s, deepS: d.deep_s, lightS: d.light_s, remS: d.rem_s, awakeS: d.awake_s,
      efficiencyPct: d.efficiency_pct, latencyS: d.latency_s,
      bedtimeStart: d.bedtime_start, bedtimeEnd: d.bedtime_end,
      avgHrvMs: d.avg_hrv_ms, lowestHrBpm: d.lowest_hr_bpm, shortNight: isShortNight(d),
      updatedAt: new Date().toISOString(),
    })))
    .onConflictDoUpdate({
      target: [sleepDaily.userId, sleepDaily.date, sleepDaily.source],
      set: {
        totalSleepS: sql`excluded.total_sleep_s`, deepS: sql`excluded.deep_s`, lightS: sql`excluded.light_s`,
        remS: sql`excluded.rem_s`, awakeS: sql`excluded.awake_s`, efficiencyPct: sql`excluded.efficiency_pct`,
        latencyS: sql`excluded.latency_s`, bedtimeStart: sql`excluded.bedtime_start`, bedtimeEnd: sql`excluded.bedtime_end`,
        avgHrvMs: sql`excluded.avg_hrv_ms`, lowestHrBpm: sql`excluded.lowest_hr_bpm`, shortNight: sql`excluded.short_night`,
        updatedAt: sql`excluded.updated_at`,
      },
    });
}

export async function upsertHrvDays(db: Tx, userId: string, days: readonly HrvDay[]): Promise<void> {
  await hrvDaysUpsert(db, userId, days);
}

/** The upsert of `days` as one statement, not yet run (none for no days). */
export function hrvDaysUpsert(db: Tx, userId: string, days: readonly HrvDay[]): BatchStatement | undefined {
  if (days.length === 0) return undefined;
  return db
    .insert(hrvDaily)
    .values(days.map((d) => ({
      userId, date: d.date, source: d.source,
      rmssdMs: d.rmssd_ms, sdnnMs: d.sdnn_ms, restingHrBpm: d.resting_hr_bpm,
      updatedAt: new Date().toISOString(),
    })))
    .onConflictDoUpdate({
      target: [hrvDaily.userId, hrvDaily.date, hrvDaily.source],
      set: {
        rmssdMs: sql`excluded.rmssd_ms`, sdnnMs: sql`excluded.sdnn_ms`,
        restingHrBpm: sql`excluded.resting_hr_bpm`, updatedAt: sql`excluded.updated_at`,
      },
    });
}

export async function upsertSleepSessions(db: Tx, userId: string, sessions: readonly SleepSession[]): Promise<void> {
  if (sessions.length === 0) return;
  await db
    .insert(sleepSessions)
    .values(sessions.map((s) => ({
      source: s.source, vendorObjectId: s.vendor_object_id, userId, date: s.date, isMain: s.is_main,
      startAt: s.start, endAt: s.end, totalSleepS: s.fields.total_sleep_s, efficiencyPct: s.fields.efficiency_pct,
      updatedAt: new Date().toISOString(),
    })))
    .onConflictDoUpdate({
      target: [sleepSessions.source, sleepSessions.vendorObjectId],
      // A session never moves to another user: the WHERE keeps a foreign row untouched.
      set: {
        date: sql`excluded.date`, isMain: sql`excluded.is_main`, startAt: sql`excluded.start_at`,
        endAt: sql`excluded.end_at`, totalSleepS: sql`excluded.total_sleep_s`,
        efficiencyPct: sql`excluded.efficiency_pct`, updatedAt: sql`excluded.updated_at`,
      },
      setWhere: sql`${sleepSessions.userId} = excluded.user_id`,
    });
}

/** Removes one day's rows of one source (the main night was deleted at the vendor, or a day has no data left). */
export async function deleteDay(db: Tx, userId: string, source: string, date: string): Promise<void> {
  await db.delete(sleepDaily).where(and(eq(sleepDaily.userId, userId), eq(sleepDaily.source, source), eq(sleepDaily.date, date)));
  await db.delete(hrvDaily).where(and(eq(hrvDaily.userId, userId), eq(hrvDaily.source, source), eq(hrvDaily.date, date)));
  await deleteSignalDay(db, userId, source, date);
}

/** Replaces one day's night scores of one source (the other groups of signal columns are left alone). */
export async function upsertSignalDay(db: Tx, userId: string, day: SignalDay): Promise<void> {
  const values = {
    readinessScore: day.readiness_score, temperatureDeviationC: day.temperature_deviation_c, recoveryScore: day.recovery_score,
    spo2Pct: day.spo2_pct, skinTempC: day.skin_temp_c, userCalibrating: day.user_calibrating, updatedAt: new Date().toISOString(),
  };
  await db
    .insert(dailySignals)
    .values({ userId, date: day.date, source: day.source, ...values })
    .onConflictDoUpdate({ target: [dailySignals.userId, dailySignals.date, dailySignals.source], set: values });
}

/** Removes one day's night scores of one source; the day's other signals (daily sleep score, strain) stay. */
export async function deleteSignalDay(db: Tx, userId: string, source: string, date: string): Promise<void> {
  await clearSignalColumns(db, userId, source, date, "night");
}

/** Removes one day's HRV row of one source (the day's main night carries no HRV, e.g. an unscored recovery). */
export async function deleteHrvDay(db: Tx, userId: string, source: string, date: string): Promise<void> {
  await db.delete(hrvDaily).where(and(eq(hrvDaily.userId, userId), eq(hrvDaily.source, source), eq(hrvDaily.date, date)));
}
