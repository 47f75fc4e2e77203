// GET /v1/me/export: the whole of one user's data, nobody else's, never a token, always audited.
import { SELF } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDb } from "./helpers";
import { seedUser, type SeededUser } from "./privacy-helpers";
import { bearer } from "./sim";

type Rows = Record<string, unknown>[];
interface ExportDocument {
  user: Record<string, unknown>;
  connections: Rows;
  sleep: Rows;
  hrv: Rows;
  samples: Rows;
  readiness: Rows;
  audit: Rows;
  sleep_sessions: Rows;
  signals: Rows;
  workouts: Rows;
  vendor_records: Rows;
  webhook_events: Rows;
  trends: Rows;
}

const handle = testDb();
let alice: SeededUser;
let bob: SeededUser;

beforeAll(async () => {
  [alice, bob] = await Promise.all([seedUser(handle, "export-alice"), seedUser(handle, "export-bob")]);
});
afterAll(() => handle.close());

async function exportOf(user: SeededUser): Promise<{ res: Response; text: string; doc: ExportDocument }> {
  const res = await SELF.fetch("http://hub.test/v1/me/export", { headers: await bearer(user.sub) });
  const text = await res.text();
  return { res, text, doc: JSON.parse(text) as ExportDocument };
}

describe("GET /v1/me/export", () => {
  it("holds every section of the user's data", async () => {
    const { res, doc } = await exportOf(alice);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    for (const key of ["user", "connections", "sleep", "hrv", "samples", "readiness", "audit"]) expect(doc).toHaveProperty(key);
    expect(doc.user).toMatchObject({ id: alice.id, timezone: "UTC" });
    expect(doc.user.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+00:00$/);
    expect(doc.connections.map((c) => c.vendor).sort()).toEqual(["oura", "whoop"]);
    expect(doc.connections.find((c) => c.vendor === "oura")).toMatchObject({ vendor_user_id: alice.ouraUserId, status: "active" });
    expect(doc.sleep).toHaveLength(3);
    expect(doc.sleep[0]).toMatchObject({ date: alice.dates[0], source: "oura", total_sleep_s: alice.values.totalSleepS });
    expect(doc.hrv).toHaveLength(6);
    expect(doc.hrv.find((r) => r.source === "apple_health")!.sdnn_ms).toBeCloseTo(alice.values.sdnn, 2);
    expect(doc.hrv.find((r) => r.source === "oura")!.rmssd_ms).toBeCloseTo(alice.values.rmssd, 2);
    expect(doc.samples).toHaveLength(3);
    expect(doc.samples[0]).toMatchObject({ source: "apple_health", type: "hrv_sdnn", value: alice.values.sampleValue });
    expect(doc.readiness.map((r) => r.score)).toEqual([alice.values.score, alice.values.score, alice.values.score]);
    expect(doc.sleep_sessions).toHaveLength(3);
    // Vendor signals and workouts, every mapped field included (issue 12).
    expect(doc.signals).toHaveLength(6);
    expect(doc.signals.find((r) => r.source === "whoop")).toMatchObject({
      date: alice.dates[0], recovery_score: alice.values.score, spo2_pct: 96.5, skin_temp_c: 33.8, user_calibrating: false,
      strain: 13.25, cycle_calories_kcal: 2760.5, cycle_avg_hr_bpm: 66, cycle_max_hr_bpm: 171,
    });
    expect(doc.signals.find((r) => r.source === "oura")).toMatchObject({
      readiness_score: alice.values.score, temperature_deviation_c: -0.21, sleep_score: alice.values.score,
      sleep_score_contributors: { deep_sleep: 77, total_sleep: 88 },
    });
    expect(doc.workouts).toHaveLength(3);
    expect(doc.workouts[0]).toMatchObject({
      source: "whoop", date: alice.dates[0], activity: "running", calories_kcal: 600.2, distance_m: 9214.5, strain: 12.75,
      avg_hr_bpm: 152, max_hr_bpm: 181, hr_zone_durations_s: [41, 298, 802, 1452, 701, 89], score_state: "SCORED",
    });
    for (const key of ["vendor_object_id", "start_at", "end_at", "intensity", "recorded_by", "label"]) expect(doc.workouts[0]).toHaveProperty(key);
    expect(doc.vendor_records).toHaveLength(3);
    expect(doc.webhook_events).toHaveLength(2);
    // The weekly trends rollup: its figures, sources and the model version behind them.
    expect(doc.trends.map((t) => t.week_start)).toEqual(["2026-10-26", "2026-11-02"]);
    expect(doc.trends[1]).toMatchObject({
      week_end: "2026-11-08", hrv_ms: alice.values.rmssd, hrv_source: "oura", resting_hr_bpm: alice.values.restingHr,
      total_sleep_s: alice.values.totalSleepS, readiness_score: alice.values.score, readiness_days: 2, algorithm_version: "test-1",
    });
    for (const rows of [doc.sleep, doc.hrv, doc.samples, doc.readiness, doc.signals, doc.workouts, doc.trends]) {
      for (const row of rows) expect(row).not.toHaveProperty("user_id");
    }
  });

  it("never carries a vendor token, in the clear or encrypted", async () => {
    const { text, doc } = await exportOf(alice);
    for (const secret of [alice.ouraTokens.access_token, alice.ouraTokens.refresh_token!, alice.whoopTokens.access_token]) {
      expect(text).not.toContain(secret);
    }
    const { rows } = await handle.pool.query("SELECT access_token_enc, refresh_token_enc FROM connections WHERE user_id = $1", [alice.id]);
    for (const row of rows) {
      expect(text).not.toContain(row.access_token_enc.split(":")[2]);
      if (row.refresh_token_enc) expect(text).not.toContain(row.refresh_token_enc.split(":")[2]);
    }
    for (const connection of doc.connections) {
      expect(Object.keys(connection).filter((k) => /token/.test(k))).toEqual(["token_expires_at"]);
    }
  });

  it("holds nothing of another user", async () => {
    const { text } = await exportOf(alice);
    for (const needle of [bob.id, bob.sub, bob.auditRef, bob.ouraUserId, String(bob.whoopUserId)]) expect(text).not.toContain(needle);
  });

  it("is audited: the export itself appears in the audit log and in the next export", async () => {
    const before = await auditCount(alice.auditRef, "export");
    const { res, doc } = await exportOf(alice);
    expect(res.status).toBe(200);
    expect(await auditCount(alice.auditRef, "export")).toBe(before + 1);
    const exports = doc.audit.filter((row) => row.action === "export");
    expect(exports.length).toBe(before + 1);
    expect(exports.at(-1)).toMatchObject({ actor_ref: alice.auditRef, subject_ref: alice.auditRef, resource: "export" });
    expect(exports.at(-1)!.request_id).toBe(res.headers.get("x-request-id"));
  });

  it("streams a large history completely (more rows than one cursor page)", async () => {
    const rows = 1_234;
    await handle.pool.query(
      `INSERT INTO phone_samples (user_id, uuid, source, type, start_at, end_at, value, unit)
       SELECT $1, 'bulk-' || i, 'health_connect', 'hrv_rmssd', timestamptz '2026-06-01' + i * interval '1 hour',
              timestamptz '2026-06-01' + i * interval '1 hour' + interval '1 minute', 30 + i % 40, 'ms'
       FROM generate_series(1, $2::int) i`,
      [bob.id, rows],
    );
    const { doc } = await exportOf(bob);
    expect(doc.samples).toHaveLength(rows + 3);
    const uuids = new Set(doc.samples.map((s) => s.uuid));
    expect(uuids.size).toBe(rows + 3);
    expect(uuids.has("bulk-1") && uuids.has(`bulk-${rows}`)).toBe(true);
  });
});

async function auditCount(auditRef: string, action: string): Promise<number> {
  const { rows } = await handle.pool.query(
    "SELECT count(*)::int AS n FROM audit_log WHERE subject_ref = $1 AND action = $2",
    [auditRef, action],
  );
  return rows[0].n;
}
