// GET /v1/me/trends: a generated 12-week history (plus the 4 weeks each week is compared with) read
// through the route, checked against an independent computation written out plainly below.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { query } from "./ingest-helpers";
import { bearer } from "./sim";

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Deterministic pseudo-random numbers (a linear congruential generator), so the history is fixed per seed. */
function numbers(seed: number) {
  let state = seed;
  return () => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
}

interface Day { date: string; rmssd: number | null; resting: number | null; sleep: number | null; score: number | null; lastNight: number | null; bandLow: number | null }

function history(todayMs: number): Day[] {
  const random = numbers(2026);
  const days: Day[] = [];
  for (let i = 16 * 7 + 6; i >= 0; i--) {
    const date = iso(todayMs - i * DAY_MS);
    const missing = random() < 0.1;
    const rmssd = Math.round((45 + 15 * random()) * 10) / 10;
    days.push({
      date,
      rmssd: missing ? null : rmssd,
      resting: missing ? null : 48 + Math.floor(8 * random()),
      sleep: random() < 0.05 ? null : 5 * 3600 + Math.floor(4 * 3600 * random()),
      score: missing ? null : 40 + Math.floor(55 * random()),
      lastNight: missing ? null : Math.log(rmssd),
      bandLow: missing ? null : Math.log(50),
    });
  }
  return days;
}

/** The expected answer, computed without the hub's code: Monday weeks, plain means, changes. */
function expected(days: Day[], today: string, weeks: number) {
  const mondayOf = (date: string) => {
    const ms = Date.parse(`${date}T00:00:00Z`);
    const weekday = (new Date(ms).getUTCDay() + 6) % 7;
    return iso(ms - weekday * DAY_MS);
  };
  const avg = (values: (number | null)[]) => {
    const present = values.filter((v): v is number => v !== null);
    return present.length ? present.reduce((a, b) => a + b, 0) / present.length : null;
  };
  const round1 = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10 + 0); // JSON has no -0
  const thisMonday = mondayOf(today);
  const starts: string[] = [];
  for (let k = weeks + 3; k >= 0; k--) starts.push(iso(Date.parse(`${thisMonday}T00:00:00Z`) - 7 * k * DAY_MS));
  const weekMeans = starts.map((start) => {
    const inWeek = days.filter((d) => mondayOf(d.date) === start && d.date <= today);
    return {
      start, count: inWeek.length,
      hrv_ms: avg(inWeek.map((d) => d.rmssd)), resting_hr_bpm: avg(inWeek.map((d) => d.resting)),
      total_sleep_s: avg(inWeek.map((d) => d.sleep)), readiness_score: avg(inWeek.map((d) => d.score)),
    };
  });
  const metrics = ["hrv_ms", "resting_hr_bpm", "total_sleep_s", "readiness_score"] as const;
  const result = [];
  for (let i = 4; i < weekMeans.length; i++) {
    const w = weekMeans[i]!;
    const means: Record<string, number | null> = {};
    const change: Record<string, number | null> = {};
    for (const m of metrics) {
      const before = avg(weekMeans.slice(i - 4, i).map((p) => p[m]));
      means[m] = round1(w[m]);
      change[m] = w[m] === null || before === null ? null : round1(w[m]! - before);
    }
    const end = iso(Date.parse(`${w.start}T00:00:00Z`) + 6 * DAY_MS);
    const inWeek = days.filter((d) => mondayOf(d.date) === w.start && d.date <= today);
    const counts = {
      hrv_ms: inWeek.filter((d) => d.rmssd !== null).length, resting_hr_bpm: inWeek.filter((d) => d.resting !== null).length,
      total_sleep_s: inWeek.filter((d) => d.sleep !== null).length, readiness_score: inWeek.filter((d) => d.score !== null).length,
    };
    result.push({
      week_start: w.start, week_end: end, complete: end < today, days: w.count, hrv_metric: "rmssd",
      sources: { hrv_ms: "oura", resting_hr_bpm: "oura", total_sleep_s: "oura" },
      means, counts, change_vs_previous_4_weeks: change, flags: flagsOf(inWeek, "the week's 7 days", "the week's 7 nights"),
    });
  }
  const lastSeven = days.filter((d) => d.date > iso(Date.parse(`${today}T00:00:00Z`) - 7 * DAY_MS) && d.date <= today);
  return { hrv_metric: "rmssd", weeks: result, flags: flagsOf(lastSeven, "the last 7 days", "the last 7 nights") };
}

/** HRV under the band's low end and nights under 7 hours among `span`, in words. */
function flagsOf(span: Day[], daysWord: string, nightsWord: string): string[] {
  const below = span.filter((d) => d.lastNight !== null && d.lastNight < d.bandLow!).length;
  const short = span.filter((d) => d.sleep !== null && d.sleep < 7 * 3600).length;
  const flags = [];
  if (below > 0) flags.push(`HRV below your normal range ${below} of ${daysWord}`);
  if (short > 0) flags.push(`Under 7 hours of sleep ${short} of ${nightsWord}`);
  return flags;
}

/** The user's rollup rows (week and when it was computed), oldest first. */
async function rollupWeeks(userId: string) {
  return query<{ week_start: string; computed_at: string; algorithm_version: string }>(
    `SELECT to_char(week_start, 'YYYY-MM-DD') AS week_start, computed_at::text AS computed_at, algorithm_version
       FROM trends_weekly WHERE user_id = $1 ORDER BY week_start`, [userId]);
}

describe("GET /v1/me/trends", () => {
  it("gives 12 weeks of means and changes equal to an independent computation, with the flags of the last 7 days", async () => {
    const subject = `trends-${crypto.randomUUID()}`;
    const auth = await bearer(subject);
    expect((await SELF.fetch("http://hub.test/v1/me", { headers: auth })).status).toBe(200);
    const [{ id }] = (await query<{ id: string }>("SELECT id FROM users WHERE subject = $1", [subject])) as [{ id: string }];
    const todayMs = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    const today = iso(todayMs);
    const days = history(todayMs);
    // One statement per table (jsonb_to_recordset), so that seeding 17 weeks stays quick.
    const rows = JSON.stringify(days.map((d) => ({
      ...d, components: { hrv: { last_night: d.lastNight, normal_band: { low: d.bandLow, high: Math.log(60) } } },
    })));
    const each = `jsonb_to_recordset($2::jsonb) AS d(date date, rmssd real, resting real, sleep int, score int, components jsonb)`;
    await query(`INSERT INTO hrv_daily (user_id, date, source, rmssd_ms, resting_hr_bpm)
      SELECT $1, d.date, 'oura', d.rmssd, d.resting FROM ${each} WHERE d.rmssd IS NOT NULL`, [id, rows]);
    await query(`INSERT INTO sleep_daily (user_id, date, source, total_sleep_s)
      SELECT $1, d.date, 'oura', d.sleep FROM ${each} WHERE d.sleep IS NOT NULL`, [id, rows]);
    await query(`INSERT INTO readiness_snapshots (user_id, date, score, level, confidence, components, baseline, algorithm_version)
      SELECT $1, d.date, d.score, 'moderate', 0.9, d.components, '{}', 'readiness-1.1.0' FROM ${each} WHERE d.score IS NOT NULL`, [id, rows]);
    // A second source with fewer days and SDNN never enters the weekly HRV.
    await query("INSERT INTO hrv_daily (user_id, date, source, sdnn_ms) VALUES ($1, $2, 'apple_health', 99)", [id, today]);

    // Nothing was recomputed for this history (as for history stored before the rollup existed):
    // the first read computes the weeks and stores them in the rollup.
    expect(await rollupWeeks(id)).toEqual([]);
    const res = await SELF.fetch("http://hub.test/v1/me/trends?weeks=12", { headers: auth });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { weeks: { week_start: string }[] };
    expect(body.weeks).toHaveLength(12);
    const want = expected(days, today, 12);
    expect(body).toEqual(want);
    const stored = await rollupWeeks(id);
    expect(stored.map((r) => r.week_start)).toEqual(body.weeks.map((w) => w.week_start));
    expect(stored.every((r) => r.algorithm_version === "readiness-1.1.0")).toBe(true);

    // The next read is answered from the rollup: the same body, no row rewritten.
    const again = await SELF.fetch("http://hub.test/v1/me/trends?weeks=12", { headers: auth });
    expect(await again.json()).toEqual(want);
    expect(await rollupWeeks(id)).toEqual(stored);
  });

  it("gives a user without data empty weeks, and stores nothing for them", async () => {
    const subject = `trends-${crypto.randomUUID()}`;
    const auth = await bearer(subject);
    const res = await SELF.fetch("http://hub.test/v1/me/trends?weeks=4", { headers: auth });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { hrv_metric: string | null; flags: string[]; weeks: { days: number; means: Record<string, number | null>; flags: string[] }[] };
    expect(body.hrv_metric).toBeNull();
    expect(body.flags).toEqual([]);
    expect(body.weeks).toHaveLength(4);
    for (const week of body.weeks) {
      expect(week.days).toBe(0);
      expect(Object.values(week.means).every((v) => v === null)).toBe(true);
      expect(week.flags).toEqual([]);
    }
    const [{ id }] = (await query<{ id: string }>("SELECT id FROM users WHERE subject = $1", [subject])) as [{ id: string }];
    expect(await rollupWeeks(id)).toEqual([]);
  });

  it("refuses weeks outside 1–52 with the error envelope", async () => {
    const auth = await bearer(`trends-${crypto.randomUUID()}`);
    for (const weeks of ["0", "53", "x"]) {
      const res = await SELF.fetch(`http://hub.test/v1/me/trends?weeks=${weeks}`, { headers: auth });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
    }
  });
});
