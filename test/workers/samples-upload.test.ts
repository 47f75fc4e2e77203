// POST /v1/me/samples against the real Postgres: all-or-nothing batches, idempotent re-posts, and
// daily rows rebuilt from every stored sample of the affected days.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import appleBatch from "../fixtures/phone/apple-health-batch.json";
import healthConnectBatch from "../fixtures/phone/health-connect-batch.json";
import worker from "../../workers/index";
import type { Env } from "../../workers/env";
import { insightsMessage } from "../../workers/lib/messages";
import { executionContext, testDb, testEnv } from "./helpers";
import { bearer } from "./sim";

const URL_SAMPLES = "http://hub.test/v1/me/samples";

interface Sample {
  uuid: string;
  type: string;
  start: string;
  end: string;
  value?: number | null;
  unit?: string | null;
  stage?: string | null;
}

interface Athlete {
  subject: string;
  auth: Record<string, string>;
}

async function athlete(timezone?: string): Promise<Athlete> {
  const subject = `athlete-${crypto.randomUUID()}`;
  if (timezone) {
    const { pool, close } = testDb();
    await pool.query("INSERT INTO users (subject, timezone) VALUES ($1, $2)", [subject, timezone]);
    await close();
  }
  return { subject, auth: await bearer(subject) };
}

function post(who: Athlete, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(URL_SAMPLES, {
    method: "POST",
    headers: { ...who.auth, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function rowsOf(who: Athlete) {
  const { pool, close } = testDb();
  try {
    const user = "(SELECT id FROM users WHERE subject = $1)";
    const samples = await pool.query(`SELECT count(*)::int AS n FROM phone_samples WHERE user_id = ${user}`, [who.subject]);
    const sleep = await pool.query(
      `SELECT date::text AS date, source, total_sleep_s, deep_s, light_s, rem_s, awake_s, efficiency_pct,
              to_json(bedtime_start) #>> '{}' AS bedtime_start, to_json(bedtime_end) #>> '{}' AS bedtime_end
       FROM sleep_daily WHERE user_id = ${user} ORDER BY date, source`,
      [who.subject],
    );
    const hrv = await pool.query(
      `SELECT date::text AS date, source, rmssd_ms, sdnn_ms, resting_hr_bpm FROM hrv_daily WHERE user_id = ${user} ORDER BY date, source`,
      [who.subject],
    );
    const audit = await pool.query(
      `SELECT action, resource FROM audit_log WHERE actor_ref = (SELECT audit_ref::text FROM users WHERE subject = $1) ORDER BY id`,
      [who.subject],
    );
    return { samples: samples.rows[0].n as number, sleep: sleep.rows, hrv: hrv.rows, audit: audit.rows };
  } finally {
    await close();
  }
}

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: { code: string; message: string; request_id: string; details?: { index?: number } } };
  expect(body.error.code).toBe(code);
  expect(body.error.request_id).toBeTruthy();
  return body.error;
}

const hrvSample = (type: string, end: string, value: number): Sample => ({
  uuid: crypto.randomUUID(), type, start: end, end, value, unit: "ms",
});
const stage = (stageName: string, start: string, end: string): Sample => ({
  uuid: crypto.randomUUID(), type: "sleep_stage", start, end, stage: stageName,
});

describe("POST /v1/me/samples", () => {
  it("stores an Apple Health batch as SDNN rows and sleep rows, and audits the upload", async () => {
    const who = await athlete();
    const res = await post(who, appleBatch);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 20, duplicates: 0 });

    const rows = await rowsOf(who);
    expect(rows.samples).toBe(20);
    // Night of 9 March (UTC): 14:30–22:00 in bed; the 25-minute doze on the 10th is that date's only sleep.
    expect(rows.sleep).toEqual([
      {
        date: "2026-03-09", source: "apple_health", total_sleep_s: 24540, deep_s: 4800, light_s: 14340, rem_s: 5400,
        awake_s: 2460, efficiency_pct: 90.9, bedtime_start: "2026-03-09T14:30:00+00:00", bedtime_end: "2026-03-09T22:00:00+00:00",
      },
      expect.objectContaining({ date: "2026-03-10", source: "apple_health", total_sleep_s: 1500, deep_s: null }),
    ]);
    // SDNN, never RMSSD, from the readings inside the night (52.7 and 61.3): 38.2 was read before bed
    // and 44.0 by day, outside both the night and the doze. Resting HR is Apple's daily value.
    expect(rows.hrv).toEqual([
      { date: "2026-03-09", source: "apple_health", rmssd_ms: null, sdnn_ms: 57, resting_hr_bpm: 56 },
      { date: "2026-03-10", source: "apple_health", rmssd_ms: null, sdnn_ms: null, resting_hr_bpm: 54 },
    ]);
    expect(rows.audit).toEqual([{ action: "upload", resource: "phone_samples:apple_health" }]);
  });

  it("stores a Health Connect batch as RMSSD rows", async () => {
    const who = await athlete();
    const res = await post(who, healthConnectBatch);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 16, duplicates: 0 });
    const rows = await rowsOf(who);
    // 39.0 was read before bed (20:15): only the night's two readings feed it.
    expect(rows.hrv).toEqual([
      { date: "2026-03-10", source: "health_connect", rmssd_ms: 45.2, sdnn_ms: null, resting_hr_bpm: 57 },
    ]);
    expect(rows.sleep).toEqual([expect.objectContaining({ date: "2026-03-10", source: "health_connect", total_sleep_s: 26280, efficiency_pct: 94.2 })]);
  });

  it("counts a re-posted batch as duplicates and changes no row", async () => {
    const who = await athlete();
    expect(await (await post(who, appleBatch)).json()).toEqual({ accepted: 20, duplicates: 0 });
    const before = await rowsOf(who);
    const again = await post(who, appleBatch);
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 20 });
    const after = await rowsOf(who);
    expect(after.samples).toBe(20);
    expect(after.sleep).toEqual(before.sleep);
    expect(after.hrv).toEqual(before.hrv);
  });

  it("counts only the new samples of a partly known batch, and rebuilds the day from all stored samples", async () => {
    const who = await athlete();
    const first = appleBatch.samples.slice(0, 10);
    expect(await (await post(who, { source: "apple_health", samples: first })).json()).toEqual({ accepted: 10, duplicates: 0 });
    const res = await post(who, appleBatch);
    expect(await res.json()).toEqual({ accepted: 10, duplicates: 10 });
    const whole = await athlete();
    await post(whole, appleBatch);
    const [split, once] = [await rowsOf(who), await rowsOf(whole)];
    expect(split.sleep).toEqual(once.sleep);
    expect(split.hrv).toEqual(once.hrv);
  });

  it("rebuilds a night whole when its samples arrive in uploads at the same moment", async () => {
    // Each upload stores its samples, then writes the days it read back; the second write must not
    // rest on a read that missed the other upload's samples.
    const who = await athlete();
    const parts = Array.from({ length: 10 }, (_, k) => appleBatch.samples.filter((_, i) => i % 10 === k));
    const answers = await Promise.all(parts.map((samples) => post(who, { source: "apple_health", samples })));
    expect(answers.map((res) => res.status)).toEqual(parts.map(() => 202));
    const accepted = await Promise.all(answers.map(async (res) => ((await res.json()) as { accepted: number }).accepted));
    expect(accepted.reduce((a, b) => a + b, 0)).toBe(20);
    const whole = await athlete();
    await post(whole, appleBatch);
    const [together, once] = [await rowsOf(who), await rowsOf(whole)];
    expect(together.sleep).toEqual(once.sleep);
    expect(together.hrv).toEqual(once.hrv);
    expect(together.audit).toHaveLength(parts.length);
  });

  it("averages a day's SDNN over samples uploaded in separate batches", async () => {
    const who = await athlete();
    await post(who, { source: "apple_health", samples: [hrvSample("hrv_sdnn", "2026-05-01T06:00:00Z", 40)] });
    await post(who, { source: "apple_health", samples: [hrvSample("hrv_sdnn", "2026-05-01T18:00:00Z", 60)] });
    expect((await rowsOf(who)).hrv).toEqual([{ date: "2026-05-01", source: "apple_health", rmssd_ms: null, sdnn_ms: 50, resting_hr_bpm: null }]);
  });

  it("dates nights and samples in the user's time zone", async () => {
    const who = await athlete("Asia/Tokyo");
    await post(who, appleBatch);
    const rows = await rowsOf(who);
    // 14:30–22:00 UTC is 23:30–07:00 in Tokyo: the night ends on the 10th.
    expect(rows.sleep.map((r) => r.date)).toEqual(["2026-03-10"]);
    expect(rows.sleep[0].total_sleep_s).toBeGreaterThanOrEqual(24540);
  });

  it("moves a night to the date it now ends on when a later upload joins it to an evening doze", async () => {
    const who = await athlete();
    await post(who, { source: "health_connect", samples: [stage("asleep_unspecified", "2026-06-01T21:30:00Z", "2026-06-01T23:30:00Z")] });
    expect((await rowsOf(who)).sleep.map((r) => r.date)).toEqual(["2026-06-01"]);
    // Half an hour after the doze the night proper begins: one night, ending on 2 June.
    await post(who, {
      source: "health_connect",
      samples: [stage("light", "2026-06-02T00:00:00Z", "2026-06-02T03:00:00Z"), stage("deep", "2026-06-02T03:00:00Z", "2026-06-02T06:00:00Z")],
    });
    const rows = await rowsOf(who);
    expect(rows.sleep).toEqual([expect.objectContaining({ date: "2026-06-02", total_sleep_s: 2 * 3600 + 6 * 3600 })]);
  });

  it("asks for the affected days' readiness to be recomputed", async () => {
    const who = await athlete();
    const sent: unknown[] = [];
    const capture = { send: async (body: unknown) => void sent.push(body), sendBatch: async (batch: { body: unknown }[]) => void sent.push(...batch.map((m) => m.body)) };
    const env = { ...testEnv, INSIGHTS_QUEUE: capture } as unknown as Env;
    const res = await worker.fetch(
      new Request(URL_SAMPLES, { method: "POST", headers: { ...who.auth, "content-type": "application/json" }, body: JSON.stringify(appleBatch) }),
      env,
      executionContext(),
    );
    expect(res.status).toBe(202);
    expect(sent).toHaveLength(1);
    const message = insightsMessage.parse(sent[0]);
    expect(message.dates).toEqual(expect.arrayContaining(["2026-03-09", "2026-03-10"]));
    const { pool, close } = testDb();
    const { rows } = await pool.query("SELECT id FROM users WHERE subject = $1", [who.subject]);
    await close();
    expect(message.user_id).toBe(rows[0].id);
  });

  it("refuses a batch with one invalid sample, naming its index, and stores nothing", async () => {
    const who = await athlete();
    const samples = structuredClone(appleBatch.samples) as Sample[];
    samples[7] = { ...samples[7]!, end: "2026-03-08T00:00:00Z" }; // ends before it starts
    const error = await expectError(await post(who, { source: "apple_health", samples }), 400, "BAD_REQUEST");
    expect(error.details).toEqual({ index: 7 });
    expect(error.message).toContain("sample 7");
    const rows = await rowsOf(who);
    expect(rows).toMatchObject({ samples: 0, sleep: [], hrv: [], audit: [] });
  });

  it("refuses sample times more than two years ago or more than a day ahead (1700, 9000, 0001, 9999), naming the index; nothing stored", async () => {
    const who = await athlete();
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const outside = [
      ["1700-03-10T06:00:00Z", "1700-03-10T06:01:00Z"],
      ["9000-03-10T06:00:00Z", "9000-03-10T06:01:00Z"],
      ["0001-01-01T00:00:00Z", "0001-01-01T00:01:00Z"],
      ["9999-12-31T23:58:00Z", "9999-12-31T23:59:00Z"],
      [iso(now - 2 * 366 * 86_400_000), iso(now - 2 * 366 * 86_400_000 + 60_000)], // just over two years ago
      [iso(now + 25 * 3_600_000), iso(now + 25 * 3_600_000 + 60_000)], // a day and an hour ahead
    ];
    for (const [index, [start, end]] of outside.entries()) {
      const samples = structuredClone(appleBatch.samples) as Sample[];
      samples[5] = { ...samples[5]!, start: start!, end: end! };
      const error = await expectError(await post(who, { source: "apple_health", samples }), 400, "BAD_REQUEST");
      expect(error.details, `case ${index}`).toEqual({ index: 5 });
      expect(error.message).toMatch(/years ago|a day ahead/);
    }
    expect(await rowsOf(who)).toMatchObject({ samples: 0, sleep: [], hrv: [], audit: [] });
    // The window's edges themselves are accepted.
    const edges = [hrvSample("hrv_sdnn", iso(now - 2 * 365 * 86_400_000 + 3_600_000), 50), hrvSample("hrv_sdnn", iso(now + 23 * 3_600_000), 51)];
    expect((await post(who, { source: "apple_health", samples: edges })).status).toBe(202);
  });

  it("never mixes HRV measures: RMSSD in an Apple batch is refused", async () => {
    const who = await athlete();
    const samples = [...appleBatch.samples, hrvSample("hrv_rmssd", "2026-03-09T21:00:00Z", 45)];
    const error = await expectError(await post(who, { source: "apple_health", samples }), 400, "BAD_REQUEST");
    expect(error.details).toEqual({ index: appleBatch.samples.length });
    expect((await rowsOf(who)).samples).toBe(0);
  });

  it("answers 413 to more than 5,000 samples and stores nothing", async () => {
    const who = await athlete();
    const samples = Array.from({ length: 5001 }, (_, i) =>
      hrvSample("hrv_sdnn", new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(), 50));
    await expectError(await post(who, { source: "apple_health", samples }), 413, "PAYLOAD_TOO_LARGE");
    expect((await rowsOf(who)).samples).toBe(0);
  });

  it("accepts exactly 5,000 samples in one batch", async () => {
    const who = await athlete();
    const samples = Array.from({ length: 5000 }, (_, i) =>
      hrvSample("hrv_sdnn", new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(), 40 + (i % 21)));
    const res = await post(who, { source: "apple_health", samples });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 5000, duplicates: 0 });
    const rows = await rowsOf(who);
    expect(rows.samples).toBe(5000);
    // One sample a minute from 1 January: 3 days and a half of rows.
    expect(rows.hrv.map((r) => r.date)).toEqual(["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"]);
  });

  it("answers 413 to a body over the size cap", async () => {
    const who = await athlete();
    const body = JSON.stringify({ source: "apple_health", samples: [], padding: "x".repeat(4 * 1024 * 1024) });
    await expectError(await post(who, body), 413, "PAYLOAD_TOO_LARGE");
  });

  it("refuses malformed bodies, other media types and anonymous callers", async () => {
    const who = await athlete();
    const notJson = await expectError(await post(who, "{not json"), 400, "BAD_REQUEST");
    expect(notJson.details).toBeUndefined();
    await expectError(await post(who, { source: "fitbit", samples: appleBatch.samples }), 400, "BAD_REQUEST");
    await expectError(await post(who, { source: "apple_health", samples: [] }), 400, "BAD_REQUEST");
    await expectError(await post(who, JSON.stringify(appleBatch), { "content-type": "text/plain" }), 415, "UNSUPPORTED_MEDIA_TYPE");
    const anonymous = await SELF.fetch(URL_SAMPLES, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(appleBatch) });
    await expectError(anonymous, 401, "UNAUTHORIZED");
    expect((await rowsOf(who)).samples).toBe(0);
  });

  it("keeps each user's samples apart: the same uuids from another user are new to them", async () => {
    const [a, b] = [await athlete(), await athlete()];
    await post(a, appleBatch);
    const res = await post(b, appleBatch);
    expect(await res.json()).toEqual({ accepted: 20, duplicates: 0 });
  });
});
