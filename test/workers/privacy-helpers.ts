// Fixtures for the privacy and security tests: a user holding a row in every per-user table (with real
// vendor grants from the simulators), and a scan of every column of every table for given values.
import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import { loadConfig } from "../../workers/env";
import { keyRing, sealTokens } from "../../workers/connections/tokens";
import type { DbHandle } from "../../workers/lib/db";
import { testEnv } from "./helpers";
import { bearer, sim, type VendorTokens } from "./sim";

export interface SeededUser {
  sub: string;
  id: string;
  auditRef: string;
  ouraUserId: string;
  whoopUserId: number;
  ouraTokens: VendorTokens;
  whoopTokens: VendorTokens;
  /** Distinctive biometric values stored for this user. */
  values: { rmssd: number; sdnn: number; restingHr: number; totalSleepS: number; score: number; sampleValue: number };
  dates: string[];
}

const distinctive = (base: number) => Math.round((base + Math.random() * 10) * 1000) / 1000;

/**
 * Provisions the user through the API (as the app would), then fills every per-user table. Users
 * seeded with offsets at least 10 apart never share a biometric value.
 */
export async function seedUser(handle: DbHandle, label = "user", offset = 0): Promise<SeededUser> {
  const sub = `${label}-${crypto.randomUUID()}`;
  const res = await SELF.fetch("http://hub.test/v1/me/export", { headers: await bearer(sub) });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  const { rows } = await handle.pool.query("SELECT id, audit_ref FROM users WHERE subject = $1", [sub]);
  const { id, audit_ref: auditRef } = rows[0] as { id: string; audit_ref: string };

  const ouraUserId = `oura-${crypto.randomUUID()}`;
  const whoopUserId = 900_000_000 + Math.floor(Math.random() * 90_000_000);
  await sim.oura.addUser(ouraUserId);
  await sim.whoop.addUser(whoopUserId);
  const ouraTokens = await sim.oura.issueTokens(ouraUserId);
  const whoopTokens = await sim.whoop.issueTokens(whoopUserId);
  const ring = keyRing(loadConfig(testEnv));
  for (const [vendor, vendorUserId, tokens] of [
    ["oura", ouraUserId, ouraTokens],
    ["whoop", String(whoopUserId), whoopTokens],
  ] as const) {
    const connectionId = crypto.randomUUID();
    const sealed = await sealTokens(ring, connectionId, tokens);
    await handle.pool.query(
      `INSERT INTO connections (id, user_id, vendor, vendor_user_id, access_token_enc, refresh_token_enc, token_expires_at, scopes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'test')`,
      [connectionId, id, vendor, vendorUserId, sealed.accessTokenEnc, sealed.refreshTokenEnc, sealed.tokenExpiresAt],
    );
    // Oura's delivery names the hub user it was processed for; WHOOP's is one recorded before
    // webhook_events had user_id, found by the vendor account alone.
    await handle.pool.query(
      "INSERT INTO webhook_events (vendor, event_key, vendor_user_id, user_id, body) VALUES ($1, $2, $3, $4, $5)",
      [vendor, crypto.randomUUID(), vendorUserId, vendor === "oura" ? id : null, JSON.stringify({ user_id: vendorUserId, id: crypto.randomUUID() })],
    );
  }
  // A consent held for the user, not yet completed (workers/connections/pending.ts).
  const pendingId = crypto.randomUUID();
  const pendingSealed = await sealTokens(ring, `pending-${pendingId}`, await sim.oura.issueTokens(ouraUserId));
  await handle.pool.query(
    `INSERT INTO pending_connections (id, code_hash, started_by, vendor, vendor_user_id, access_token_enc, refresh_token_enc, token_expires_at, expires_at)
     VALUES ($1, $2, $3, 'oura', $4, $5, $6, $7, now() + interval '10 minutes')`,
    [pendingId, crypto.randomUUID(), id, ouraUserId, pendingSealed.accessTokenEnc, pendingSealed.refreshTokenEnc, pendingSealed.tokenExpiresAt],
  );

  const values = {
    rmssd: distinctive(40 + offset), sdnn: distinctive(60 + offset), restingHr: distinctive(50 + offset),
    totalSleepS: 25_000 + offset * 100 + Math.floor(Math.random() * 1_000), score: 10 + Math.floor(Math.random() * 80),
    sampleValue: distinctive(70 + offset),
  };
  const dates = ["2026-11-01", "2026-11-02", "2026-11-03"];
  for (const date of dates) {
    await handle.pool.query(
      `INSERT INTO sleep_daily (user_id, date, source, total_sleep_s, deep_s, light_s, rem_s, awake_s, efficiency_pct, avg_hrv_ms, lowest_hr_bpm)
       VALUES ($1, $2, 'oura', $3, 5000, 14000, 6000, 1500, 91, $4, $5)`,
      [id, date, values.totalSleepS, values.rmssd, values.restingHr],
    );
    await handle.pool.query(
      "INSERT INTO hrv_daily (user_id, date, source, rmssd_ms, resting_hr_bpm) VALUES ($1, $2, 'oura', $3, $4)",
      [id, date, values.rmssd, values.restingHr],
    );
    await handle.pool.query(
      `INSERT INTO daily_signals (user_id, date, source, recovery_score, spo2_pct, skin_temp_c, user_calibrating,
                                  strain, cycle_calories_kcal, cycle_avg_hr_bpm, cycle_max_hr_bpm)
       VALUES ($1, $2, 'whoop', $3, 96.5, 33.8, false, 13.25, 2760.5, 66, 171)`,
      [id, date, values.score],
    );
    await handle.pool.query(
      `INSERT INTO daily_signals (user_id, date, source, readiness_score, temperature_deviation_c, sleep_score, sleep_score_contributors)
       VALUES ($1, $2, 'oura', $3, -0.21, $3, '{"deep_sleep": 77, "total_sleep": 88}')`,
      [id, date, values.score],
    );
    await handle.pool.query(
      `INSERT INTO workouts (source, vendor_object_id, user_id, date, activity, start_at, end_at, calories_kcal, distance_m,
                             strain, avg_hr_bpm, max_hr_bpm, hr_zone_durations_s, score_state)
       VALUES ('whoop', $1, $2, $3, 'running', $3::date + interval '17 hours', $3::date + interval '18 hours', 600.2, 9214.5,
               12.75, 152, 181, '{41,298,802,1452,701,89}', 'SCORED')`,
      [crypto.randomUUID(), id, date],
    );
    await handle.pool.query(
      "INSERT INTO hrv_daily (user_id, date, source, sdnn_ms) VALUES ($1, $2, 'apple_health', $3)",
      [id, date, values.sdnn],
    );
    await handle.pool.query(
      `INSERT INTO readiness_snapshots (user_id, date, score, level, confidence, components, baseline, algorithm_version)
       VALUES ($1, $2, $3, 'moderate', 0.8, $4, $5, 'test-1')`,
      [id, date, values.score, JSON.stringify({ hrv: { value: values.rmssd } }), JSON.stringify({ hrv: { mean: values.rmssd } })],
    );
    const sessionId = `${ouraUserId}-${date}`;
    await handle.pool.query(
      `INSERT INTO sleep_sessions (source, vendor_object_id, user_id, date, is_main, start_at, end_at, total_sleep_s)
       VALUES ('oura', $1, $2, $3, true, $3::date - interval '8 hours', $3::date, $4)`,
      [sessionId, id, date, values.totalSleepS],
    );
    await handle.pool.query(
      "INSERT INTO vendor_records (vendor, object_type, object_id, user_id, document) VALUES ('oura', 'sleep', $1, $2, $3)",
      [sessionId, id, JSON.stringify({ id: sessionId, day: date, average_hrv: values.rmssd })],
    );
    await handle.pool.query(
      `INSERT INTO phone_samples (user_id, uuid, source, type, start_at, end_at, value, unit)
       VALUES ($1, $2, 'apple_health', 'hrv_sdnn', $3::date - interval '2 hours', $3::date - interval '2 hours' + interval '1 minute', $4, 'ms')`,
      [id, crypto.randomUUID(), date, values.sampleValue],
    );
  }
  // The week of the dates in the weekly trends rollup, as the readiness object writes it.
  await handle.pool.query(
    `INSERT INTO trends_weekly (user_id, week_start, week_end, days, hrv_metric, hrv_source, hrv_ms, hrv_days, resting_hr_source,
       resting_hr_bpm, resting_hr_days, sleep_source, total_sleep_s, sleep_days, readiness_score, readiness_days, algorithm_version, computed_at)
     VALUES ($1, '2026-10-26', '2026-11-01', 1, 'rmssd', 'oura', $2, 1, 'oura', $3, 1, 'oura', $4, 1, $5, 1, 'test-1', now()),
            ($1, '2026-11-02', '2026-11-08', 2, 'rmssd', 'oura', $2, 2, 'oura', $3, 2, 'oura', $4, 2, $5, 2, 'test-1', now())`,
    [id, values.rmssd, values.restingHr, values.totalSleepS, values.score],
  );
  await handle.pool.query(
    "INSERT INTO oauth_states (state_hash, user_id, vendor, expires_at) VALUES ($1, $2, 'oura', now() + interval '10 minutes')",
    [crypto.randomUUID(), id],
  );
  await handle.pool.query(
    "INSERT INTO dead_letters (queue, message_id, user_id, body, reason, attempts) VALUES ('hub-insights', $1, $2, $3, 'test', 6)",
    [crypto.randomUUID(), id, JSON.stringify({ user_id: id, dates })],
  );
  await handle.pool.query(
    "INSERT INTO dead_letters (queue, message_id, body, reason, attempts) VALUES ('hub-ingest', $1, $2, 'test', 6)",
    [crypto.randomUUID(), JSON.stringify({ kind: "vendor_event", vendor: "oura", vendor_user_id: ouraUserId, object_type: "sleep", object_id: "x", action: "upsert" })],
  );
  return { sub, id, auditRef, ouraUserId, whoopUserId, ouraTokens, whoopTokens, values, dates };
}

/** Every column of every table in the public schema (per information_schema) holding a needle: `table.column: rows`. */
export async function findEverywhere(handle: DbHandle, needles: string[]): Promise<Record<string, number>> {
  const { rows: columns } = await handle.pool.query<{ table_name: string; column_name: string }>(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.ordinal_position`,
  );
  const byTable = new Map<string, string[]>();
  for (const { table_name, column_name } of columns) byTable.set(table_name, [...(byTable.get(table_name) ?? []), column_name]);
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const found: Record<string, number> = {};
  for (const [table, names] of byTable) {
    const counts = names.map(
      (name, i) => `count(*) FILTER (WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) v WHERE strpos(${quote(name)}::text, v) > 0))::int AS c${i}`,
    );
    const { rows } = await handle.pool.query(`SELECT ${counts.join(", ")} FROM ${quote(table)}`, [needles]);
    names.forEach((name, i) => {
      const n = (rows[0] as Record<string, number>)[`c${i}`]!;
      if (n > 0) found[`${table}.${name}`] = n;
    });
  }
  return found;
}

/** Tables in the public schema (the scan must cover more than the ones a test happens to know). */
export async function publicTables(handle: DbHandle): Promise<string[]> {
  const { rows } = await handle.pool.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  return rows.map((r) => r.table_name);
}
