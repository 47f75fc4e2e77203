// Users with nightly history in Postgres (sleep_daily and hrv_daily, as the normalize consumer
// writes them for Oura; two years for the readiness benchmark), and their readiness snapshots.
import type { Pool } from "@neondatabase/serverless";
import { generateDemoDays, type DemoDay } from "../../scripts/sim/generate";
import { computeReadinessSeries, type DailyReadinessInput } from "../../workers/readiness";

export interface HistoryUser {
  userId: string;
  subject: string;
  days: DemoDay[];
}

export const HISTORY_DAYS = 730;

export async function seedHistoryUser(pool: Pool, subject: string, endDate: string, historyDays = HISTORY_DAYS): Promise<HistoryUser> {
  const days = generateDemoDays(historyDays, endDate, subject);
  const user = await pool.query<{ id: string }>("INSERT INTO users (subject) VALUES ($1) RETURNING id", [subject]);
  const userId = user.rows[0]!.id;
  const column = <K extends keyof DemoDay>(key: K) => days.map((day) => day[key]);
  const whole = (key: "total_sleep_s" | "deep_s" | "light_s" | "rem_s" | "awake_s" | "latency_s") => days.map((day) => Math.round(day[key]));
  await pool.query(
    `INSERT INTO sleep_daily (user_id, date, source, total_sleep_s, deep_s, light_s, rem_s, awake_s, efficiency_pct,
                              latency_s, bedtime_start, bedtime_end, avg_hrv_ms, lowest_hr_bpm)
     SELECT $1, t.* FROM unnest($2::date[], $3::text[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::real[],
                                $10::int[], $11::timestamptz[], $12::timestamptz[], $13::real[], $14::real[]) AS t`,
    [
      userId, column("date"), column("source"), whole("total_sleep_s"), whole("deep_s"), whole("light_s"), whole("rem_s"),
      whole("awake_s"), column("efficiency_pct"), whole("latency_s"), column("bedtime_start"), column("bedtime_end"),
      column("avg_hrv_ms"), column("lowest_hr_bpm"),
    ],
  );
  await pool.query(
    `INSERT INTO hrv_daily (user_id, date, source, rmssd_ms, resting_hr_bpm)
     SELECT $1, t.* FROM unnest($2::date[], $3::text[], $4::real[], $5::real[]) AS t`,
    [userId, column("date"), column("source"), column("rmssd_ms"), column("resting_hr_bpm")],
  );
  return { userId, subject, days };
}

/** The rows a recompute reads for this user (one per date and source), as the model takes them. */
export function modelInput(user: HistoryUser): DailyReadinessInput[] {
  return user.days.map((day) => ({
    date: day.date,
    source: day.source,
    rmssd_ms: day.rmssd_ms,
    sdnn_ms: null,
    resting_hr_bpm: day.resting_hr_bpm,
    total_sleep_s: day.total_sleep_s,
    efficiency_pct: day.efficiency_pct,
  }));
}

/** Stores the readiness of `dates` computed by the model from the user's rows, as the insights consumer would. */
export async function seedSnapshots(pool: Pool, user: HistoryUser, dates: readonly string[]): Promise<void> {
  const results = computeReadinessSeries(modelInput(user), dates);
  const column = <K extends keyof (typeof results)[number]>(key: K) => results.map((result) => result[key]);
  const asJson = (key: "components" | "baseline") => results.map((result) => JSON.stringify(result[key]));
  await pool.query(
    `INSERT INTO readiness_snapshots (user_id, date, score, level, confidence, components, baseline, algorithm_version)
     SELECT $1, t.* FROM unnest($2::date[], $3::int[], $4::text[], $5::real[], $6::jsonb[], $7::jsonb[], $8::text[]) AS t`,
    [user.userId, column("date"), column("score"), column("level"), column("confidence"), asJson("components"), asJson("baseline"), column("algorithm_version")],
  );
}
