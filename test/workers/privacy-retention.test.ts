// The retention policy on the real Postgres (plain tables, DELETE path). "Now" is set to 2000-01-01 so
// that only rows this test dates in the 1990s are old enough: other test files' rows are never touched.
import { afterAll, describe, expect, it } from "vitest";
import { applyRetention, RETENTION_POLICY } from "../../workers/scheduled/retention";
import { testDb } from "./helpers";

const NOW = new Date("2000-01-01T00:00:00Z");
const handle = testDb();
afterAll(() => handle.close());

async function count(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await handle.pool.query(`SELECT count(*)::int AS n FROM (${sql}) t`, params);
  return rows[0].n;
}

describe("applyRetention", () => {
  it("keeps each table's rows exactly as long as the policy says, and no longer", async () => {
    const { rows } = await handle.pool.query("INSERT INTO users (subject) VALUES ($1) RETURNING id", [`retention-${crypto.randomUUID()}`]);
    const userId: string = rows[0].id;
    const vendorUserId = `retention-${crypto.randomUUID()}`;
    // Each pair: just past the limit (goes) and just inside it (stays).
    const daily = { gone: "1997-12-31", kept: "1998-01-02" }; // 2 years
    const readiness = { gone: "1998-12-31", kept: "1999-01-02" }; // 1 year
    for (const [label, date] of Object.entries(daily)) {
      await handle.pool.query("INSERT INTO sleep_daily (user_id, date, source, total_sleep_s) VALUES ($1, $2, 'oura', 1)", [userId, date]);
      await handle.pool.query("INSERT INTO hrv_daily (user_id, date, source, rmssd_ms) VALUES ($1, $2, 'oura', 1)", [userId, date]);
      await handle.pool.query(
        `INSERT INTO sleep_sessions (source, vendor_object_id, user_id, date, is_main, start_at, end_at)
         VALUES ('oura', $1, $2, $3, true, $3::date, $3::date + interval '8 hours')`,
        [`${vendorUserId}-${label}`, userId, date],
      );
      await handle.pool.query("INSERT INTO daily_signals (user_id, date, source, strain) VALUES ($1, $2, 'whoop', 10)", [userId, date]);
      await handle.pool.query(
        `INSERT INTO workouts (source, vendor_object_id, user_id, date, activity, start_at, end_at)
         VALUES ('whoop', $1, $2, $3, 'running', $3::date + interval '17 hours', $3::date + interval '18 hours')`,
        [`${vendorUserId}-${label}`, userId, date],
      );
      await handle.pool.query(
        `INSERT INTO phone_samples (user_id, uuid, source, type, start_at, end_at, value)
         VALUES ($1, $2, 'apple_health', 'resting_hr', $3::date + interval '1 hour', $3::date + interval '2 hours', 50)`,
        [userId, `${label}-sample`, date],
      );
      await handle.pool.query(
        "INSERT INTO vendor_records (vendor, object_type, object_id, user_id, document, fetched_at) VALUES ('oura', 'sleep', $1, $2, '{}', $3::date + interval '1 hour')",
        [`${vendorUserId}-${label}`, userId, date],
      );
    }
    for (const date of Object.values(readiness)) {
      await handle.pool.query(
        "INSERT INTO readiness_snapshots (user_id, date, level, confidence, components, baseline, algorithm_version) VALUES ($1, $2, 'insufficient_data', 0, '{}', '{}', 't')",
        [userId, date],
      );
    }
    for (const [label, at] of Object.entries({ gone: "1999-11-30T23:00:00Z", kept: "1999-12-03T00:00:00Z" })) {
      await handle.pool.query(
        "INSERT INTO webhook_events (vendor, event_key, vendor_user_id, body, received_at) VALUES ('oura', $1, $2, '{}', $3)",
        [`${vendorUserId}-${label}`, vendorUserId, at],
      );
    }
    for (const [label, at] of Object.entries({ gone: "1999-10-01T00:00:00Z", kept: "1999-10-04T00:00:00Z" })) {
      await handle.pool.query(
        "INSERT INTO dead_letters (queue, message_id, body, reason, attempts, received_at) VALUES ('hub-ingest', $1, '{}', 'test', 1, $2)",
        [`${vendorUserId}-${label}`, at],
      );
    }

    const counts = await applyRetention(handle.pool, NOW);
    for (const rule of RETENTION_POLICY) expect(counts, rule.table).toHaveProperty(rule.table);

    const remaining = async (table: string, where: string, params: unknown[]) => count(`SELECT * FROM ${table} WHERE ${where}`, params);
    for (const table of ["sleep_daily", "hrv_daily", "sleep_sessions", "daily_signals", "workouts"]) {
      expect(await remaining(table, "user_id = $1 AND date = $2", [userId, daily.gone]), table).toBe(0);
      expect(await remaining(table, "user_id = $1 AND date = $2", [userId, daily.kept]), table).toBe(1);
    }
    expect(await remaining("phone_samples", "user_id = $1 AND uuid = 'gone-sample'", [userId])).toBe(0);
    expect(await remaining("phone_samples", "user_id = $1 AND uuid = 'kept-sample'", [userId])).toBe(1);
    expect(await remaining("vendor_records", "user_id = $1", [userId])).toBe(1);
    expect(await remaining("readiness_snapshots", "user_id = $1 AND date = $2", [userId, readiness.gone])).toBe(0);
    expect(await remaining("readiness_snapshots", "user_id = $1 AND date = $2", [userId, readiness.kept])).toBe(1);
    expect(await remaining("webhook_events", "vendor_user_id = $1", [vendorUserId])).toBe(1);
    expect(await remaining("webhook_events", "event_key = $1", [`${vendorUserId}-kept`])).toBe(1);
    expect(await remaining("dead_letters", "message_id LIKE $1", [`${vendorUserId}-%`])).toBe(1);
    expect(await remaining("dead_letters", "message_id = $1", [`${vendorUserId}-kept`])).toBe(1);

    // A second run finds nothing more to delete for this user.
    await applyRetention(handle.pool, NOW);
    expect(await remaining("sleep_daily", "user_id = $1", [userId])).toBe(1);
  });

  it("deletes in batches until a large backlog is gone", async () => {
    const { rows } = await handle.pool.query("INSERT INTO users (subject) VALUES ($1) RETURNING id", [`retention-bulk-${crypto.randomUUID()}`]);
    const userId: string = rows[0].id;
    await handle.pool.query(
      `INSERT INTO phone_samples (user_id, uuid, source, type, start_at, end_at, value)
       SELECT $1, 'old-' || i, 'health_connect', 'hrv_rmssd', timestamptz '1990-01-01' + i * interval '1 minute',
              timestamptz '1990-01-01' + i * interval '1 minute' + interval '30 seconds', 40
       FROM generate_series(1, 12000) i`,
      [userId],
    );
    const counts = await applyRetention(handle.pool, NOW, RETENTION_POLICY.filter((rule) => rule.table === "phone_samples"));
    expect(counts.phone_samples).toBeGreaterThanOrEqual(12_000);
    expect(await count("SELECT * FROM phone_samples WHERE user_id = $1", [userId])).toBe(0);
  });

  it("refuses a rule naming a column that does not exist rather than silently keeping data", async () => {
    await expect(applyRetention(handle.pool, NOW, [{ table: "sleep_daily", column: "no_such_column", keep: "1 day" }])).rejects.toThrow(/does not exist/);
  });
});
