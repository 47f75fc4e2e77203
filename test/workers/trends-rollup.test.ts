// The weekly trends rollup (trends_weekly) written by the user's readiness object after a recompute,
// and the `trends.week_closed` message it pushes on the live socket. Expected figures are computed
// here from the nights written, independently of the hub's code.
import { runDurableObjectAlarm, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { readinessClient } from "../../durable-objects/client";
import { addDays, todayIn } from "../../workers/lib/calendar";
import { forgetVerifiedUser } from "../../workers/lib/users";
import { LOOKBACK_DAYS } from "../../workers/readiness/windows";
import { readinessStub, testEnv, waitFor } from "./helpers";
import { newUser, sql, steadyNights, writeNights, type Night, type TestUser } from "./readiness-fixtures";

const weekday = (date: string) => (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
const mondayOf = (date: string) => addDays(date, -weekday(date));
const round1 = (v: number) => Math.round(v * 10) / 10 + 0;
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

interface StoredWeek {
  week_start: string;
  computed_at: string;
  hrv_ms: number | null;
  hrv_days: number;
  resting_hr_bpm: number | null;
  total_sleep_s: number | null;
  readiness_score: number | null;
  readiness_days: number;
  change_hrv_ms: number | null;
}

async function storedWeeks(userId: string): Promise<StoredWeek[]> {
  const { rows } = await sql<StoredWeek>(
    `SELECT to_char(week_start, 'YYYY-MM-DD') AS week_start, computed_at::text AS computed_at, hrv_ms, hrv_days,
            resting_hr_bpm, total_sleep_s, readiness_score, readiness_days, change_hrv_ms
       FROM trends_weekly WHERE user_id = $1 ORDER BY week_start`, [userId]);
  return rows;
}

/** Mean score of the week's stored snapshots (to 0.1) and how many there are. */
async function readinessOf(userId: string, monday: string): Promise<{ mean: number | null; days: number }> {
  const { rows } = await sql<{ score: number }>(
    "SELECT score FROM readiness_snapshots WHERE user_id = $1 AND date BETWEEN $2 AND $3 AND score IS NOT NULL",
    [userId, monday, addDays(monday, 6)]);
  return { mean: rows.length === 0 ? null : round1(mean(rows.map((r) => r.score))), days: rows.length };
}

const inWeek = (nights: readonly Night[], monday: string) => nights.filter((n) => mondayOf(n.date) === monday);
const weekMean = (nights: readonly Night[], monday: string, pick: (n: Night) => number) => mean(inWeek(nights, monday).map(pick));

/** A user whose today (in their time zone) is not a Sunday, so that the closing week is the one before this one. */
async function userOffSunday(): Promise<TestUser & { today: string }> {
  const user = await newUser();
  const zone = ["UTC", "Etc/GMT+12", "Etc/GMT-14"].find((z) => weekday(todayIn(z)) !== 6)!;
  await sql("UPDATE users SET timezone = $1 WHERE id = $2", [zone, user.id]);
  forgetVerifiedUser(user.id);
  return { ...user, today: todayIn(zone) };
}

interface Live {
  socket: WebSocket;
  messages: { type: string; week?: Record<string, unknown> }[];
  /** Resolves once every message sent before this call has arrived (the runtime answers "ping" in order). */
  settle(): Promise<void>;
}

async function openLive(auth: Record<string, string>): Promise<Live> {
  const res = await SELF.fetch("http://hub.test/v1/me/readiness/live", { headers: { ...auth, upgrade: "websocket" } });
  expect(res.status).toBe(101);
  const socket = res.webSocket!;
  const messages: Live["messages"] = [];
  let pongs = 0;
  socket.addEventListener("message", (event) => {
    if (event.data === "pong") pongs += 1;
    else messages.push(JSON.parse(event.data as string) as Live["messages"][number]);
  });
  socket.accept();
  const settle = async () => {
    const expected = pongs + 1;
    socket.send("ping");
    await waitFor(async () => (pongs >= expected ? true : undefined));
  };
  return { socket, messages, settle };
}

async function recompute(userId: string, dates: string[]): Promise<void> {
  await readinessClient(testEnv, userId).requestRecompute(userId, dates);
  await runDurableObjectAlarm(readinessStub(userId));
}

describe("trends rollup after a recompute", () => {
  it("rewrites the weeks of the rescored dates and the four weeks after them, with means and changes from the stored rows", async () => {
    const user = await newUser();
    const today = todayIn("UTC");
    const nights = steadyNights(today, 24 * 7);
    await writeNights(user.id, nights);
    // A change 140 days ago rescores D … D+LOOKBACK_DAYS (the days whose windows read D).
    const changed = addDays(today, -140);
    await recompute(user.id, [changed]);

    const lastRescored = mondayOf(addDays(changed, LOOKBACK_DAYS));
    const expectedWeeks: string[] = [];
    for (let m = mondayOf(changed); m <= addDays(lastRescored, 28); m = addDays(m, 7)) expectedWeeks.push(m);
    const first = await storedWeeks(user.id);
    expect(first.map((w) => w.week_start)).toEqual(expectedWeeks);

    const week = addDays(mondayOf(changed), 14);
    const previous = [1, 2, 3, 4].map((k) => weekMean(nights, addDays(week, -7 * k), (n) => n.rmssd_ms!));
    expect(first.find((w) => w.week_start === week)).toMatchObject({
      hrv_ms: round1(weekMean(nights, week, (n) => n.rmssd_ms!)),
      hrv_days: 7,
      resting_hr_bpm: round1(weekMean(nights, week, (n) => n.resting_hr_bpm!)),
      total_sleep_s: round1(weekMean(nights, week, (n) => n.total_sleep_s!)),
      readiness_score: (await readinessOf(user.id, week)).mean,
      readiness_days: (await readinessOf(user.id, week)).days,
      change_hrv_ms: round1(weekMean(nights, week, (n) => n.rmssd_ms!) - mean(previous)),
    });

    // One night of that week collapses: its week and the next week's comparison change; weeks
    // before it are not rewritten.
    const crash = { ...inWeek(nights, week)[0]!, rmssd_ms: 20 };
    await writeNights(user.id, [crash]);
    await recompute(user.id, [crash.date]);
    const after = nights.map((n) => (n.date === crash.date ? crash : n));
    const second = await storedWeeks(user.id);
    const byWeek = (rows: StoredWeek[], monday: string) => rows.find((w) => w.week_start === monday)!;
    expect(byWeek(second, week).hrv_ms).toBe(round1(weekMean(after, week, (n) => n.rmssd_ms!)));
    const next = addDays(week, 7);
    const nextPrevious = [1, 2, 3, 4].map((k) => weekMean(after, addDays(next, -7 * k), (n) => n.rmssd_ms!));
    expect(byWeek(second, next).change_hrv_ms).toBe(round1(weekMean(after, next, (n) => n.rmssd_ms!) - mean(nextPrevious)));
    expect(byWeek(second, next).change_hrv_ms).not.toBe(byWeek(first, next).change_hrv_ms);
    for (const earlier of [mondayOf(changed), addDays(mondayOf(changed), 7)]) {
      expect(byWeek(second, earlier)).toEqual(byWeek(first, earlier));
    }
  });
});

describe("trends.week_closed on the live socket", () => {
  it("pushes the closed week's figures on the first recompute of a new week, and not again on the next one", async () => {
    const user = await userOffSunday();
    const nights = steadyNights(user.today, 6 * 7);
    await writeNights(user.id, nights);
    const live = await openLive(user.auth);

    // The history's recompute is this object's first of the week.
    await recompute(user.id, nights.map((n) => n.date));
    const closed = await waitFor(async () => live.messages.find((m) => m.type === "trends.week_closed"));
    const monday = addDays(mondayOf(user.today), -7);
    const readiness = await readinessOf(user.id, monday);
    expect(readiness.days).toBeGreaterThan(0);
    expect(closed.week).toMatchObject({
      week_start: monday, week_end: addDays(monday, 6), complete: true, days: 7, hrv_metric: "rmssd",
      sources: { hrv_ms: "oura", resting_hr_bpm: "oura", total_sleep_s: "oura" },
      counts: { hrv_ms: 7, resting_hr_bpm: 7, total_sleep_s: 7, readiness_score: readiness.days },
      means: {
        hrv_ms: round1(weekMean(nights, monday, (n) => n.rmssd_ms!)),
        resting_hr_bpm: round1(weekMean(nights, monday, (n) => n.resting_hr_bpm!)),
        total_sleep_s: round1(weekMean(nights, monday, (n) => n.total_sleep_s!)),
        readiness_score: readiness.mean,
      },
    });
    // The same week as GET /v1/me/trends shows it.
    const trends = (await (await SELF.fetch("http://hub.test/v1/me/trends?weeks=2", { headers: user.auth })).json()) as { weeks: unknown[] };
    expect(trends.weeks[0]).toEqual(closed.week);

    await recompute(user.id, [user.today]);
    await live.settle();
    expect(live.messages.filter((m) => m.type === "readiness").length).toBe(nights.length + 1);
    expect(live.messages.filter((m) => m.type === "trends.week_closed")).toHaveLength(1);
    live.socket.close(1000, "done");
  });

  it("pushes the closing week again, with its new figures, when a recompute covers its Sunday", async () => {
    const user = await userOffSunday();
    const nights = steadyNights(user.today, 6 * 7);
    await writeNights(user.id, nights);
    const live = await openLive(user.auth);
    await recompute(user.id, nights.map((n) => n.date));
    await live.settle();
    expect(live.messages.filter((m) => m.type === "trends.week_closed")).toHaveLength(1);

    const monday = addDays(mondayOf(user.today), -7);
    const sunday = { ...nights.find((n) => n.date === addDays(monday, 6))!, rmssd_ms: 25, total_sleep_s: 5 * 3600 };
    await writeNights(user.id, [sunday]);
    await recompute(user.id, [sunday.date]);
    await live.settle();
    const announced = live.messages.filter((m) => m.type === "trends.week_closed");
    expect(announced).toHaveLength(2);
    const after = nights.map((n) => (n.date === sunday.date ? sunday : n));
    expect(announced[1]!.week).toMatchObject({
      week_start: monday,
      means: { hrv_ms: round1(weekMean(after, monday, (n) => n.rmssd_ms!)), total_sleep_s: round1(weekMean(after, monday, (n) => n.total_sleep_s!)) },
      flags: expect.arrayContaining(["Under 7 hours of sleep 1 of the week's 7 nights"]),
    });
    live.socket.close(1000, "done");
  });
});
