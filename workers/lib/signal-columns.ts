// daily_signals holds, per (user, date, source), columns that come from different vendor documents:
// the night (Oura's embedded readiness, WHOOP's recovery), Oura's daily_sleep and WHOOP's cycle. Each
// writer owns its group of columns; taking a group away clears only that group, and the row goes when
// no group has anything left.
import { sql } from "drizzle-orm";
import type { Database } from "./db";

export const SIGNAL_COLUMN_GROUPS = {
  night: ["readiness_score", "temperature_deviation_c", "recovery_score", "spo2_pct", "skin_temp_c", "user_calibrating"],
  sleep_score: ["sleep_score", "sleep_score_contributors"],
  strain: ["strain", "cycle_calories_kcal", "cycle_avg_hr_bpm", "cycle_max_hr_bpm"],
} as const;

export type SignalColumnGroup = keyof typeof SIGNAL_COLUMN_GROUPS;

const ALL_COLUMNS = Object.values(SIGNAL_COLUMN_GROUPS).flat();

/** Clears one group of a day's signals; deletes the row once every group is empty. */
export async function clearSignalColumns(
  db: Pick<Database, "execute">, userId: string, source: string, date: string, group: SignalColumnGroup,
): Promise<void> {
  // Column names come from the constant above, never from input.
  const assignments = sql.raw(SIGNAL_COLUMN_GROUPS[group].map((column) => `${column} = NULL`).join(", "));
  await db.execute(sql`UPDATE daily_signals SET ${assignments}, updated_at = now()
                        WHERE user_id = ${userId} AND source = ${source} AND date = ${date}`);
  await db.execute(sql`DELETE FROM daily_signals
                        WHERE user_id = ${userId} AND source = ${source} AND date = ${date}
                          AND num_nonnulls(${sql.raw(ALL_COLUMNS.join(", "))}) = 0`);
}
