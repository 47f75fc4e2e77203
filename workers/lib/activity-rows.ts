// Writes of vendor activity: workouts (one row per vendor object) and the daily_sleep and cycle groups
// of daily_signals. Upserts on natural keys, so a redelivered document replaces its row.
import { and, eq, inArray, sql } from "drizzle-orm";
import { dailySignals, workouts } from "../../db/schema";
import type { SleepScoreDay, StrainDay, Vendor, Workout } from "./canonical-rows";
import type { Database } from "./db";
import { clearSignalColumns } from "./signal-columns";

type Tx = Pick<Database, "insert" | "delete" | "execute">;

export async function upsertWorkouts(db: Tx, userId: string, rows: readonly Workout[]): Promise<void> {
  if (rows.length === 0) return;
  const now = new Date().toISOString();
  await db
    .insert(workouts)
    .values(rows.map((w) => ({
      source: w.source, vendorObjectId: w.vendor_object_id, userId, date: w.date, activity: w.activity, startAt: w.start, endAt: w.end,
      caloriesKcal: w.calories_kcal, distanceM: w.distance_m, intensity: w.intensity, recordedBy: w.recorded_by, label: w.label,
      strain: w.strain, avgHrBpm: w.avg_hr_bpm, maxHrBpm: w.max_hr_bpm, hrZoneDurationsS: w.hr_zone_durations_s,
      scoreState: w.score_state, updatedAt: now,
    })))
    .onConflictDoUpdate({
      target: [workouts.source, workouts.vendorObjectId],
      set: {
        date: sql`excluded.date`, activity: sql`excluded.activity`, startAt: sql`excluded.start_at`, endAt: sql`excluded.end_at`,
        caloriesKcal: sql`excluded.calories_kcal`, distanceM: sql`excluded.distance_m`, intensity: sql`excluded.intensity`,
        recordedBy: sql`excluded.recorded_by`, label: sql`excluded.label`, strain: sql`excluded.strain`,
        avgHrBpm: sql`excluded.avg_hr_bpm`, maxHrBpm: sql`excluded.max_hr_bpm`, hrZoneDurationsS: sql`excluded.hr_zone_durations_s`,
        scoreState: sql`excluded.score_state`, updatedAt: sql`excluded.updated_at`,
      },
      // A workout never moves to another user.
      setWhere: sql`${workouts.userId} = excluded.user_id`,
    });
}

export async function deleteWorkouts(db: Tx, userId: string, source: Vendor, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.delete(workouts).where(and(eq(workouts.userId, userId), eq(workouts.source, source), inArray(workouts.vendorObjectId, [...ids])));
}

/** Ids of the user's workouts of one source dated between `from` and `to` (inclusive). */
export async function workoutIdsBetween(db: Pick<Database, "execute">, userId: string, source: Vendor, from: string, to: string): Promise<string[]> {
  const { rows } = await db.execute<{ id: string }>(sql`
    SELECT vendor_object_id AS id FROM workouts WHERE user_id = ${userId} AND source = ${source} AND date BETWEEN ${from} AND ${to}`);
  return rows.map((row) => row.id);
}

export async function upsertSleepScoreDay(db: Tx, userId: string, day: SleepScoreDay): Promise<void> {
  const values = { sleepScore: day.sleep_score, sleepScoreContributors: day.contributors, updatedAt: new Date().toISOString() };
  await db
    .insert(dailySignals)
    .values({ userId, date: day.date, source: day.source, ...values })
    .onConflictDoUpdate({ target: [dailySignals.userId, dailySignals.date, dailySignals.source], set: values });
}

export async function upsertStrainDay(db: Tx, userId: string, day: StrainDay): Promise<void> {
  const values = {
    strain: day.strain, cycleCaloriesKcal: day.calories_kcal, cycleAvgHrBpm: day.avg_hr_bpm, cycleMaxHrBpm: day.max_hr_bpm,
    updatedAt: new Date().toISOString(),
  };
  await db
    .insert(dailySignals)
    .values({ userId, date: day.date, source: day.source, ...values })
    .onConflictDoUpdate({ target: [dailySignals.userId, dailySignals.date, dailySignals.source], set: values });
}

export const clearSleepScoreDay = (db: Tx, userId: string, date: string) => clearSignalColumns(db, userId, "oura", date, "sleep_score");
export const clearStrainDay = (db: Tx, userId: string, date: string) => clearSignalColumns(db, userId, "whoop", date, "strain");
