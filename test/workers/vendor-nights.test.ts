// Nights as athletes live them, through the webhook consumer against the simulators and Postgres:
// a short night only (Oura `sleep`, no `long_sleep`), a nap before the night, a late nap that counts
// toward the next day, and a WHOOP night split in two whose recovery names the shorter segment.
import { describe, expect, it } from "vitest";
import ouraLateNap from "../fixtures/oura/sleep-late-nap.json";
import ouraShortNight from "../fixtures/oura/sleep-short-night.json";
import whoopSplitRecovery from "../fixtures/whoop/recovery-split-night.json";
import whoopSplitFirst from "../fixtures/whoop/sleep-split-first.json";
import whoopSplitSecond from "../fixtures/whoop/sleep-split-second.json";
import { connectedUser } from "./connected-user";
import {
  hrvRows, ouraEvent, ouraMessage, ouraNapOf, ouraNight, query, runIngest, sessionRows, whoopEvent, whoopMessage, type Doc,
} from "./ingest-helpers";
import { sim } from "./sim";

const fresh = (doc: object, overrides: Doc = {}): Doc => ({ ...structuredClone(doc), id: crypto.randomUUID(), ...overrides });

const nightRows = (userId: string, source = "oura") =>
  query<{ date: string; total_sleep_s: number; short_night: boolean }>(
    `SELECT to_char(date, 'YYYY-MM-DD') AS date, total_sleep_s, short_night FROM sleep_daily
      WHERE user_id = $1 AND source = $2 ORDER BY date`, [userId, source]);

async function ingestOura(vendorUserId: string, ...docs: Doc[]) {
  for (const doc of docs) await sim.oura.putSleep(vendorUserId, doc);
  return runIngest(docs.map((doc) => ouraMessage(ouraEvent(vendorUserId, doc.id as string, "create"))));
}

describe("Oura short nights", () => {
  it("a 2.5-hour night alone on its day gives that day's rows, flagged short, with its HRV", async () => {
    const user = await connectedUser("oura");
    const short = fresh(ouraShortNight);
    const run = await ingestOura(user.vendorUserId, short);
    expect(run.acked).toEqual(run.ids);
    expect(await nightRows(user.userId)).toEqual([{ date: "2026-03-12", total_sleep_s: 9000, short_night: true }]);
    expect(await hrvRows(user.userId)).toEqual([{ date: "2026-03-12", rmssd_ms: 33, sdnn_ms: null, resting_hr_bpm: 58 }]);
    expect(run.insights).toEqual([expect.objectContaining({ user_id: user.userId, dates: ["2026-03-12"] })]);
  });

  it("a nap and a night on one day: the long_sleep is the night, the nap a session", async () => {
    const user = await connectedUser("oura");
    const night = ouraNight();
    await ingestOura(user.vendorUserId, ouraNapOf(night), night);
    expect(await nightRows(user.userId)).toEqual([{ date: night.day, total_sleep_s: night.total_sleep_duration, short_night: false }]);
    expect((await sessionRows(user.userId)).map((s) => s.is_main)).toEqual([true, false]);
  });
});

describe("Oura late naps", () => {
  it("count toward the next day: a session there, never replacing the evening's night", async () => {
    const user = await connectedUser("oura");
    const evening = ouraNight(); // the night ending 2026-03-10
    const lateNap = fresh(ouraLateNap); // 19:05–19:50 on 2026-03-10
    await ingestOura(user.vendorUserId, evening, lateNap);
    expect(await nightRows(user.userId)).toEqual([{ date: "2026-03-10", total_sleep_s: evening.total_sleep_duration, short_night: false }]);
    const sessions = await sessionRows(user.userId);
    expect(sessions.find((s) => s.id === lateNap.id)).toMatchObject({ date: "2026-03-11", is_main: false });
  });
});

describe("WHOOP split nights", () => {
  it("two segments of one cycle are one night that keeps the recovery computed from the shorter one", async () => {
    const user = await connectedUser("whoop");
    const cycleId = 100_000_000 + Math.floor(Math.random() * 1e9);
    const first = fresh(whoopSplitFirst, { cycle_id: cycleId, user_id: user.whoopUserId });
    const second = fresh(whoopSplitSecond, { cycle_id: cycleId, user_id: user.whoopUserId });
    const recovery = { ...structuredClone(whoopSplitRecovery), cycle_id: cycleId, sleep_id: second.id, user_id: user.whoopUserId };
    await sim.whoop.putSleep(user.whoopUserId, first);
    await sim.whoop.putSleep(user.whoopUserId, second);
    await sim.whoop.putRecovery(user.whoopUserId, recovery);
    const run = await runIngest([
      whoopMessage(whoopEvent(user.whoopUserId, first.id as string, "sleep.updated")),
      whoopMessage(whoopEvent(user.whoopUserId, second.id as string, "sleep.updated")),
      whoopMessage(whoopEvent(user.whoopUserId, second.id as string, "recovery.updated")),
    ]);
    expect(run.acked).toEqual(run.ids);
    const asleepMs = (doc: typeof whoopSplitFirst) => {
      const s = doc.score.stage_summary;
      return Math.round((s.total_light_sleep_time_milli + s.total_slow_wave_sleep_time_milli + s.total_rem_sleep_time_milli) / 1000);
    };
    expect(await nightRows(user.userId, "whoop")).toEqual([
      { date: "2026-03-10", total_sleep_s: asleepMs(whoopSplitFirst) + asleepMs(whoopSplitSecond), short_night: false },
    ]);
    const hrv = await hrvRows(user.userId, "whoop");
    expect(hrv).toEqual([{ date: "2026-03-10", rmssd_ms: expect.closeTo(38.912445, 4), sdnn_ms: null, resting_hr_bpm: 57 }]);
    expect((await sessionRows(user.userId, "whoop")).map((s) => [s.id, s.is_main])).toEqual([[first.id, true], [second.id, false]]);
  });
});
