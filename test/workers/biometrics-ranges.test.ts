// GET /v1/me/hrv and /v1/me/sleep: item shapes exactly as CONTRACT §4, inclusive ranges, validation,
// isolation between users and audit rows.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addDays, todayIn } from "../../workers/lib/calendar";
import { auditRows, newUser, sql, type TestUser } from "./readiness-fixtures";

const get = (path: string, auth: Record<string, string>) => SELF.fetch(`http://hub.test${path}`, { headers: auth });

async function seed(user: TestUser): Promise<void> {
  await sql(
    `INSERT INTO hrv_daily (user_id, date, source, rmssd_ms, sdnn_ms, resting_hr_bpm) VALUES
       ($1, '2026-03-01', 'oura', 48.5, NULL, 51),
       ($1, '2026-03-01', 'apple_health', NULL, 61.25, 53.5),
       ($1, '2026-03-02', 'oura', 52, NULL, 50),
       ($1, '2026-03-04', 'whoop', 44.75, NULL, NULL)`,
    [user.id],
  );
  await sql(
    `INSERT INTO sleep_daily (user_id, date, source, total_sleep_s, deep_s, light_s, rem_s, awake_s, efficiency_pct,
                              latency_s, bedtime_start, bedtime_end, avg_hrv_ms, lowest_hr_bpm) VALUES
       ($1, '2026-03-01', 'oura', 27000, 5400, 14400, 7200, 1800, 91.5, 600,
            '2026-02-28T22:30:00+01:00', '2026-03-01T06:30:00+01:00', 48.5, 47),
       ($1, '2026-03-02', 'health_connect', 25200, 3600, 14400, 5400, 2400, NULL, NULL, NULL, NULL, NULL, NULL)`,
    [user.id],
  );
}

describe("GET /v1/me/hrv", () => {
  it("lists the user's rows of an inclusive range by date and source, exactly in the contract's shape", async () => {
    const user = await newUser();
    await seed(user);
    const res = await get("/v1/me/hrv?from=2026-03-01&to=2026-03-04", user.auth);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      items: [
        { date: "2026-03-01", source: "apple_health", rmssd_ms: null, sdnn_ms: 61.25, resting_hr_bpm: 53.5 },
        { date: "2026-03-01", source: "oura", rmssd_ms: 48.5, sdnn_ms: null, resting_hr_bpm: 51 },
        { date: "2026-03-02", source: "oura", rmssd_ms: 52, sdnn_ms: null, resting_hr_bpm: 50 },
        { date: "2026-03-04", source: "whoop", rmssd_ms: 44.75, sdnn_ms: null, resting_hr_bpm: null },
      ],
    });
    const single = (await (await get("/v1/me/hrv?from=2026-03-02&to=2026-03-02", user.auth)).json()) as { items: { date: string }[] };
    expect(single.items.map((i) => i.date)).toEqual(["2026-03-02"]);
  });

  it("never shows another user's rows", async () => {
    const owner = await newUser();
    const other = await newUser();
    await seed(owner);
    const res = await get("/v1/me/hrv?from=2026-03-01&to=2026-03-04", other.auth);
    expect(await res.json()).toEqual({ items: [] });
  });

  it("defaults to the 30 days ending on the user's today in their time zone", async () => {
    const user = await newUser();
    // UTC+14: whenever its date differs from UTC's, a UTC default would miss this row.
    await SELF.fetch("http://hub.test/v1/me", {
      method: "PATCH", headers: { ...user.auth, "content-type": "application/json" }, body: JSON.stringify({ timezone: "Pacific/Kiritimati" }),
    });
    const today = todayIn("Pacific/Kiritimati");
    await sql(
      `INSERT INTO hrv_daily (user_id, date, source, rmssd_ms) VALUES ($1, $2, 'oura', 50), ($1, $3, 'oura', 51), ($1, $4, 'oura', 52)`,
      [user.id, today, addDays(today, -29), addDays(today, -30)],
    );
    const { items } = (await (await get("/v1/me/hrv", user.auth)).json()) as { items: { date: string }[] };
    expect(items.map((i) => i.date)).toEqual([addDays(today, -29), today]);
  });
});

describe("GET /v1/me/sleep", () => {
  it("lists nights with instants as RFC 3339 UTC and every contract field", async () => {
    const user = await newUser();
    await seed(user);
    const res = await get("/v1/me/sleep?from=2026-03-01&to=2026-03-02", user.auth);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      items: [
        {
          date: "2026-03-01", source: "oura", total_sleep_s: 27000, deep_s: 5400, light_s: 14400, rem_s: 7200, awake_s: 1800,
          efficiency_pct: 91.5, latency_s: 600, bedtime_start: "2026-02-28T21:30:00.000Z", bedtime_end: "2026-03-01T05:30:00.000Z",
          avg_hrv_ms: 48.5, lowest_hr_bpm: 47, short_night: false,
        },
        {
          date: "2026-03-02", source: "health_connect", total_sleep_s: 25200, deep_s: 3600, light_s: 14400, rem_s: 5400,
          awake_s: 2400, efficiency_pct: null, latency_s: null, bedtime_start: null, bedtime_end: null, avg_hrv_ms: null,
          lowest_hr_bpm: null, short_night: false,
        },
      ],
    });
  });
});

describe("range validation and audit", () => {
  it("answers 400 for ranges over 366 days, from after to, and dates that do not exist", async () => {
    const user = await newUser();
    const today = new Date().toISOString().slice(0, 10);
    for (const resource of ["hrv", "sleep"]) {
      const cases: [string, number][] = [
        [`from=${addDays(today, -365)}&to=${today}`, 200], // 366 days
        [`from=${addDays(today, -366)}&to=${today}`, 400], // 367 days
        ["from=2026-03-05&to=2026-03-04", 400],
        ["from=2026-02-29&to=2026-03-04", 400],
        ["from=2026-03-01&to=2026-03-32", 400],
        ["from=2026-3-1&to=2026-03-04", 400],
        ["from=&to=2026-03-04", 400],
      ];
      for (const [query, status] of cases) {
        const res = await get(`/v1/me/${resource}?${query}`, user.auth);
        expect(res.status, `${resource} ${query}`).toBe(status);
        if (status === 400) expect(((await res.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
      }
    }
  });

  it("answers 400 for dates more than two years ago or after tomorrow, and reads nothing", async () => {
    const user = await newUser();
    const today = new Date().toISOString().slice(0, 10);
    const cases: [string, number][] = [
      [`from=${addDays(today, -2 * 365 + 2)}&to=${addDays(today, -2 * 365 + 30)}`, 200],
      ["from=0001-01-01&to=0001-01-31", 400],
      ["from=1700-01-01&to=1700-12-31", 400],
      [`from=${addDays(today, -2 * 366 - 2)}&to=${addDays(today, -2 * 366 + 20)}`, 400],
      ["from=9999-12-01&to=9999-12-31", 400],
      [`from=${addDays(today, 3)}&to=${addDays(today, 10)}`, 400],
      [`from=${today}&to=${addDays(today, 3)}`, 400],
    ];
    for (const resource of ["hrv", "sleep"]) {
      for (const [query, status] of cases) {
        const res = await get(`/v1/me/${resource}?${query}`, user.auth);
        expect(res.status, `${resource} ${query}`).toBe(status);
        if (status === 400) expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/within the last 2 years/);
        else await res.arrayBuffer();
      }
    }
    for (const query of ["date=1700-01-01", "date=9999-12-31"]) {
      const res = await get(`/v1/me/readiness?${query}`, user.auth);
      expect(res.status, query).toBe(400);
      await res.arrayBuffer();
    }
    expect(await auditRows(user.auditRef)).toHaveLength(2); // the two accepted range reads only
  });

  it("appends one audit row per read, naming the table and never a value", async () => {
    const user = await newUser();
    await seed(user);
    const hrv = await get("/v1/me/hrv?from=2026-03-01&to=2026-03-04", user.auth);
    const sleep = await get("/v1/me/sleep?from=2026-03-01&to=2026-03-04", user.auth);
    await get("/v1/me/sleep?from=2026-03-05&to=2026-03-04", user.auth); // refused: nothing read, nothing audited
    expect(await auditRows(user.auditRef)).toEqual([
      { action: "read", resource: "hrv_daily", actor_ref: user.auditRef, request_id: hrv.headers.get("x-request-id") },
      { action: "read", resource: "sleep_daily", actor_ref: user.auditRef, request_id: sleep.headers.get("x-request-id") },
    ]);
  });

  it("requires a bearer token", async () => {
    expect((await SELF.fetch("http://hub.test/v1/me/hrv")).status).toBe(401);
    expect((await SELF.fetch("http://hub.test/v1/me/sleep")).status).toBe(401);
  });
});
