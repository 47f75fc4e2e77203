// WHOOP webhook → ingest queue → normalize consumer → rows, against the WHOOP simulator and Postgres.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { connectedUser } from "./connected-user";
import { waitFor } from "./helpers";
import {
  hrvRows, iso, runIngest, sessionRows, signedWhoopRequest, sleepRows, whoopEvent, whoopMessage, whoopRecoveryOf, whoopSleep,
  type Doc,
} from "./ingest-helpers";
import { sim } from "./sim";

type Stages = Record<string, number>;
const stagesOf = (sleep: Doc) => (sleep.score as { stage_summary: Stages }).stage_summary;

/** CONTRACT §4: WHOOP milliseconds become seconds; the date is `end` on the sleep's own clock. */
function expectedSleepRow(sleep: Doc, date: string) {
  const s = stagesOf(sleep);
  return {
    date,
    total_sleep_s: Math.round((s.total_light_sleep_time_milli! + s.total_slow_wave_sleep_time_milli! + s.total_rem_sleep_time_milli!) / 1000),
    deep_s: Math.round(s.total_slow_wave_sleep_time_milli! / 1000),
    light_s: Math.round(s.total_light_sleep_time_milli! / 1000),
    rem_s: Math.round(s.total_rem_sleep_time_milli! / 1000),
    awake_s: Math.round(s.total_awake_time_milli! / 1000),
    efficiency_pct: (sleep.score as { sleep_efficiency_percentage: number }).sleep_efficiency_percentage,
    latency_s: null,
    bedtime_start: iso(sleep.start),
    bedtime_end: iso(sleep.end),
    avg_hrv_ms: null,
    lowest_hr_bpm: null,
  };
}

const normalized = (rows: Record<string, unknown>[]) =>
  rows.map((row) => ({ ...row, bedtime_start: iso(row.bedtime_start), bedtime_end: iso(row.bedtime_end) }));

describe("signed WHOOP webhooks", () => {
  it("a sleep and then its recovery end in daily rows equal to WHOOP's documents (ms → s)", async () => {
    const user = await connectedUser("whoop");
    const sleep = whoopSleep(user.whoopUserId); // ends 2026-03-10T11:41Z at -05:00 → 2026-03-10
    const recovery = whoopRecoveryOf(sleep);
    await sim.whoop.putSleep(user.whoopUserId, sleep);
    await sim.whoop.putRecovery(user.whoopUserId, recovery);

    const res = await SELF.fetch(await signedWhoopRequest(whoopEvent(user.whoopUserId, sleep.id as string, "sleep.updated"))());
    expect(res.status).toBe(200);
    const rows = await waitFor(async () => ((await sleepRows(user.userId, "whoop")).length ? sleepRows(user.userId, "whoop") : undefined));
    expect(normalized(rows)).toEqual([expectedSleepRow(sleep, "2026-03-10")]);

    const again = await SELF.fetch(await signedWhoopRequest(whoopEvent(user.whoopUserId, sleep.id as string, "recovery.updated"))());
    expect(again.status).toBe(200);
    const hrv = await waitFor(async () => ((await hrvRows(user.userId, "whoop")).length ? hrvRows(user.userId, "whoop") : undefined));
    const score = recovery.score as { hrv_rmssd_milli: number; resting_heart_rate: number };
    expect(hrv).toHaveLength(1);
    expect(hrv[0]).toMatchObject({ date: "2026-03-10", sdnn_ms: null, resting_hr_bpm: score.resting_heart_rate });
    expect(hrv[0]!.rmssd_ms).toBeCloseTo(score.hrv_rmssd_milli, 4);
  });
});

describe("WHOOP score states and object kinds", () => {
  it("an unscored sleep gives a night without stage values; an unscored recovery no HRV row until it is scored", async () => {
    const user = await connectedUser("whoop");
    const sleep = whoopSleep(user.whoopUserId, { score_state: "PENDING_SCORE", score: undefined });
    const pending = whoopRecoveryOf(sleep, { score_state: "PENDING_SCORE", score: undefined });
    await sim.whoop.putSleep(user.whoopUserId, sleep);
    await sim.whoop.putRecovery(user.whoopUserId, pending);
    await runIngest([
      whoopMessage(whoopEvent(user.whoopUserId, sleep.id as string, "sleep.updated")),
      whoopMessage(whoopEvent(user.whoopUserId, sleep.id as string, "recovery.updated")),
    ]);
    expect(normalized(await sleepRows(user.userId, "whoop"))).toEqual([{
      date: "2026-03-10", total_sleep_s: null, deep_s: null, light_s: null, rem_s: null, awake_s: null, efficiency_pct: null,
      latency_s: null, bedtime_start: iso(sleep.start), bedtime_end: iso(sleep.end), avg_hrv_ms: null, lowest_hr_bpm: null,
    }]);
    expect(await hrvRows(user.userId, "whoop")).toEqual([]);

    // WHOOP scores both: the next events replace the unscored versions.
    const scored = whoopSleep(user.whoopUserId, { id: sleep.id, cycle_id: sleep.cycle_id });
    await sim.whoop.putSleep(user.whoopUserId, scored);
    await sim.whoop.putRecovery(user.whoopUserId, whoopRecoveryOf(scored));
    const run = await runIngest([
      whoopMessage(whoopEvent(user.whoopUserId, sleep.id as string, "sleep.updated")),
      whoopMessage(whoopEvent(user.whoopUserId, sleep.id as string, "recovery.updated")),
    ]);
    expect(normalized(await sleepRows(user.userId, "whoop"))).toEqual([expectedSleepRow(scored, "2026-03-10")]);
    expect(await hrvRows(user.userId, "whoop")).toHaveLength(1);
    expect(run.insights).toEqual([expect.objectContaining({ user_id: user.userId, dates: ["2026-03-10"] })]);
  });

  it("a recovery WHOOP does not have (404: not scored yet) leaves no HRV row and is acked", async () => {
    const user = await connectedUser("whoop");
    const sleep = whoopSleep(user.whoopUserId);
    await sim.whoop.putSleep(user.whoopUserId, sleep);
    const run = await runIngest([whoopMessage(whoopEvent(user.whoopUserId, sleep.id as string, "recovery.updated"))]);
    expect(run.acked).toEqual(run.ids);
    expect(await hrvRows(user.userId, "whoop")).toEqual([]);
    expect(await sleepRows(user.userId, "whoop")).toHaveLength(1);
  });

  it("a nap is a session only; sleep.deleted removes the night, its daily rows and its HRV", async () => {
    const user = await connectedUser("whoop");
    const sleep = whoopSleep(user.whoopUserId);
    const nap = whoopSleep(user.whoopUserId, {
      nap: true, start: "2026-03-10T19:31:44.902Z", end: "2026-03-10T20:06:12.015Z", cycle_id: sleep.cycle_id,
    });
    await sim.whoop.putSleep(user.whoopUserId, sleep);
    await sim.whoop.putSleep(user.whoopUserId, nap);
    await sim.whoop.putRecovery(user.whoopUserId, whoopRecoveryOf(sleep));
    await runIngest([
      whoopMessage(whoopEvent(user.whoopUserId, nap.id as string, "sleep.updated")),
      whoopMessage(whoopEvent(user.whoopUserId, sleep.id as string, "sleep.updated")),
      whoopMessage(whoopEvent(user.whoopUserId, sleep.id as string, "recovery.updated")),
    ]);
    expect((await sessionRows(user.userId, "whoop")).map(({ id, is_main }) => ({ id, is_main }))).toEqual([
      { id: sleep.id, is_main: true },
      { id: nap.id, is_main: false },
    ]);
    expect(normalized(await sleepRows(user.userId, "whoop"))).toEqual([expectedSleepRow(sleep, "2026-03-10")]);

    await sim.whoop.deleteSleep(sleep.id as string);
    await runIngest([whoopMessage(whoopEvent(user.whoopUserId, sleep.id as string, "sleep.deleted"))]);
    expect((await sessionRows(user.userId, "whoop")).map((s) => s.id)).toEqual([nap.id]);
    expect(await sleepRows(user.userId, "whoop")).toEqual([]);
    expect(await hrvRows(user.userId, "whoop")).toEqual([]);
  });

  it("a redelivered sleep replaces its row and never adds stage time to it", async () => {
    const user = await connectedUser("whoop");
    const sleep = whoopSleep(user.whoopUserId);
    await sim.whoop.putSleep(user.whoopUserId, sleep);
    const event = whoopEvent(user.whoopUserId, sleep.id as string, "sleep.updated");
    // Two deliveries of the same event, and a second event for the same unchanged sleep.
    await runIngest([whoopMessage(event), whoopMessage(event)]);
    await runIngest([whoopMessage({ ...event, trace_id: crypto.randomUUID() })]);
    expect(normalized(await sleepRows(user.userId, "whoop"))).toEqual([expectedSleepRow(sleep, "2026-03-10")]);
    expect(await sessionRows(user.userId, "whoop")).toHaveLength(1);
  });
});
