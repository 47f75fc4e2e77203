// Fixtures for the readiness, profile and biometric read tests: a provisioned user with a bearer
// token, and daily rows written straight into hrv_daily/sleep_daily.
import { SELF } from "cloudflare:test";
import { addDays, todayIn } from "../../workers/lib/calendar";
import type { DailyReadinessInput, Source } from "../../workers/readiness";
import { testDb } from "./helpers";
import { bearer } from "./sim";

export interface TestUser {
  sub: string;
  auth: Record<string, string>;
  id: string;
  auditRef: string;
}

/** A new user provisioned through GET /v1/me (the contract's first use). */
export async function newUser(): Promise<TestUser> {
  const sub = `athlete-${crypto.randomUUID()}`;
  const auth = await bearer(sub);
  const res = await SELF.fetch("http://hub.test/v1/me", { headers: auth });
  if (res.status !== 200) throw new Error(`GET /v1/me answered ${res.status}`);
  const { id } = (await res.json()) as { id: string };
  const { rows } = await sql<{ audit_ref: string }>("SELECT audit_ref FROM users WHERE id = $1", [id]);
  return { sub, auth, id, auditRef: rows[0]!.audit_ref };
}

export const utcToday = () => todayIn("UTC");

export interface Night {
  date: string;
  source?: Source;
  rmssd_ms?: number | null;
  sdnn_ms?: number | null;
  resting_hr_bpm?: number | null;
  total_sleep_s?: number | null;
  efficiency_pct?: number | null;
}

/** An ordinary, slightly varying history: `days` nights of Oura data ending on `lastDate`. */
export function steadyNights(lastDate: string, days: number): Night[] {
  return Array.from({ length: days }, (_, i) => ({
    date: addDays(lastDate, -i),
    source: "oura" as const,
    rmssd_ms: 52 + (i % 5) * 2,
    resting_hr_bpm: 50 + (i % 3),
    total_sleep_s: 7.5 * 3600 + (i % 4) * 600,
    efficiency_pct: 88 + (i % 3),
  }));
}

/** Upserts the nights into hrv_daily and sleep_daily (replacing rows on (user, date, source)). */
export async function writeNights(userId: string, nights: readonly Night[]): Promise<void> {
  const rows = JSON.stringify(asModelInput(nights));
  await sql(
    `WITH n AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS r(date date, source text, rmssd_ms real, sdnn_ms real,
                  resting_hr_bpm real, total_sleep_s integer, efficiency_pct real)),
          h AS (INSERT INTO hrv_daily (user_id, date, source, rmssd_ms, sdnn_ms, resting_hr_bpm)
                SELECT $1, date, source, rmssd_ms, sdnn_ms, resting_hr_bpm FROM n
                ON CONFLICT (user_id, date, source) DO UPDATE SET rmssd_ms = excluded.rmssd_ms,
                  sdnn_ms = excluded.sdnn_ms, resting_hr_bpm = excluded.resting_hr_bpm, updated_at = now())
     INSERT INTO sleep_daily (user_id, date, source, total_sleep_s, efficiency_pct)
     SELECT $1, date, source, total_sleep_s, efficiency_pct FROM n
     ON CONFLICT (user_id, date, source) DO UPDATE SET total_sleep_s = excluded.total_sleep_s,
       efficiency_pct = excluded.efficiency_pct, updated_at = now()`,
    [userId, rows],
  );
}

/** The nights as the model's input rows (what the hub should have read back). */
export function asModelInput(nights: readonly Night[]): DailyReadinessInput[] {
  return nights.map((n) => ({
    date: n.date,
    source: n.source ?? "oura",
    rmssd_ms: n.rmssd_ms ?? null,
    sdnn_ms: n.sdnn_ms ?? null,
    resting_hr_bpm: n.resting_hr_bpm ?? null,
    total_sleep_s: n.total_sleep_s ?? null,
    efficiency_pct: n.efficiency_pct ?? null,
  }));
}

export interface StoredSnapshot {
  date: string;
  score: number | null;
  level: string;
  confidence: number;
  components: Record<string, unknown>;
  baseline: Record<string, unknown>;
  algorithm_version: string;
  computed_at: string;
}

export async function storedSnapshots(userId: string): Promise<StoredSnapshot[]> {
  const { rows } = await sql<StoredSnapshot>(
    `SELECT to_char(date, 'YYYY-MM-DD') AS date, score, level, confidence, components, baseline, algorithm_version,
            to_char(computed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS computed_at
       FROM readiness_snapshots WHERE user_id = $1 ORDER BY date`,
    [userId],
  );
  return rows;
}

export async function auditRows(auditRef: string): Promise<{ action: string; resource: string; actor_ref: string; request_id: string | null }[]> {
  const { rows } = await sql<{ action: string; resource: string; actor_ref: string; request_id: string | null }>(
    "SELECT action, resource, actor_ref, request_id FROM audit_log WHERE subject_ref = $1 ORDER BY id",
    [auditRef],
  );
  return rows;
}

/** One statement on a short-lived pool (the test Postgres is shared by every test file). */
export async function sql<R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<{ rows: R[] }> {
  const { pool, close } = testDb();
  try {
    const { rows } = await pool.query(text, params);
    return { rows: rows as R[] };
  } finally {
    await close();
  }
}
