// Seeds the demo athlete: 90 days of realistic Oura-style nights (daily sleep and HRV rows) and the
// readiness computed from them by the real model. Idempotent: rows are upserted on their natural keys.
import type { Pool } from "@neondatabase/serverless";
import { computeReadinessSeries, type DailyReadinessInput } from "../workers/readiness";
import { generateDemoDays } from "./sim/generate";

export const DEMO_SUBJECT = "demo-athlete";

export async function seedDemoUser(pool: Pool, opts: { days?: number; endDate?: string } = {}): Promise<{ userId: string; days: number }> {
  const days = generateDemoDays(opts.days ?? 90, opts.endDate ?? new Date().toISOString().slice(0, 10), "demo");
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const { rows } = await client.query<{ id: string }>(
      "INSERT INTO users (subject) VALUES ($1) ON CONFLICT (subject) DO UPDATE SET subject = excluded.subject RETURNING id",
      [DEMO_SUBJECT],
    );
    const userId = rows[0]!.id;
    for (const d of days) {
      await client.query(
        `INSERT INTO sleep_daily (user_id, date, source, total_sleep_s, deep_s, light_s, rem_s, awake_s, efficiency_pct,
           latency_s, bedtime_start, bedtime_end, avg_hrv_ms, lowest_hr_bpm)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)
         ON CONFLICT (user_id, date, source) DO UPDATE SET total_sleep_s = excluded.total_sleep_s, deep_s = excluded.deep_s,
           light_s = excluded.light_s, rem_s = excluded.rem_s, awake_s = excluded.awake_s, efficiency_pct = excluded.efficiency_pct,
           latency_s = excluded.latency_s, bedtime_start = excluded.bedtime_start, bedtime_end = excluded.bedtime_end,
           avg_hrv_ms = excluded.avg_hrv_ms, lowest_hr_bpm = excluded.lowest_hr_bpm, updated_at = now()`,
        [userId, d.date, d.source, d.total_sleep_s, d.deep_s, d.light_s, d.rem_s, d.awake_s, d.efficiency_pct, d.latency_s,
          d.bedtime_start, d.bedtime_end, d.avg_hrv_ms, d.lowest_hr_bpm],
      );
      await client.query(
        `INSERT INTO hrv_daily (user_id, date, source, rmssd_ms, resting_hr_bpm) VALUES ($1,$2,$3,$4,$5)
         ON CONFLICT (user_id, date, source) DO UPDATE SET rmssd_ms = excluded.rmssd_ms,
           resting_hr_bpm = excluded.resting_hr_bpm, updated_at = now()`,
        [userId, d.date, d.source, d.rmssd_ms, d.resting_hr_bpm],
      );
    }
    const inputs: DailyReadinessInput[] = days.map((d) => ({
      date: d.date, source: "oura", rmssd_ms: d.rmssd_ms, sdnn_ms: null, resting_hr_bpm: d.resting_hr_bpm,
      total_sleep_s: d.total_sleep_s, efficiency_pct: d.efficiency_pct,
    }));
    for (const r of computeReadinessSeries(inputs, days.map((d) => d.date))) {
      await client.query(
        `INSERT INTO readiness_snapshots (user_id, date, score, level, confidence, components, baseline, algorithm_version)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
         ON CONFLICT (user_id, date) DO UPDATE SET score = excluded.score, level = excluded.level, confidence = excluded.confidence,
           components = excluded.components, baseline = excluded.baseline, algorithm_version = excluded.algorithm_version,
           computed_at = now()`,
        [userId, r.date, r.score, r.level, r.confidence, JSON.stringify(r.components), JSON.stringify(r.baseline), r.algorithm_version],
      );
    }
    await client.query("COMMIT");
    return { userId, days: days.length };
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  } finally {
    client.release();
  }
}

// `npm run db:seed`: seeds the demo athlete into DATABASE_URL (environment or .dev.vars).
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { readDevVars } = await import("./lib/dev-vars");
  const { nodePool } = await import("./lib/node-db");
  const vars = { ...readDevVars(), ...process.env };
  if (!vars.DATABASE_URL) {
    console.error("db:seed needs DATABASE_URL (environment or .dev.vars)");
    process.exit(1);
  }
  const pool = nodePool(vars.DATABASE_URL, vars.DB_WS_PROXY);
  const result = await seedDemoUser(pool).finally(() => pool.end());
  console.log(`seeded ${DEMO_SUBJECT} (${result.userId}) with ${result.days} days`);
}
