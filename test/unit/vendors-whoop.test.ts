import { describe, expect, it } from "vitest";
import {
  fetchWhoopProfile,
  fetchWhoopRecovery,
  fetchWhoopSleep,
  listWhoopRecovery,
  listWhoopSleep,
  parseWhoopEvent,
  whoopNightsToCanonical,
  whoopRecoverySchema,
  whoopRecoveryToHrv,
  whoopSleepSchema,
  whoopSleepToCanonical,
} from "../../workers/vendors/whoop";
import scoredJson from "../fixtures/whoop/sleep-scored.json";
import napJson from "../fixtures/whoop/sleep-nap.json";
import pendingJson from "../fixtures/whoop/sleep-pending.json";
import recoveryJson from "../fixtures/whoop/recovery.json";
import splitFirstJson from "../fixtures/whoop/sleep-split-first.json";
import splitSecondJson from "../fixtures/whoop/sleep-split-second.json";
import splitRecoveryJson from "../fixtures/whoop/recovery-split-night.json";
import page1Json from "../fixtures/whoop/sleep-collection-page-1.json";
import page2Json from "../fixtures/whoop/sleep-collection-page-2.json";
import sleepUpdatedJson from "../fixtures/whoop/webhook-sleep-updated.json";
import recoveryUpdatedJson from "../fixtures/whoop/webhook-recovery-updated.json";
import sleepDeletedJson from "../fixtures/whoop/webhook-sleep-deleted.json";
import profileJson from "../fixtures/whoop/profile-basic.json";

const scored = whoopSleepSchema.parse(scoredJson);
const nap = whoopSleepSchema.parse(napJson);
const pending = whoopSleepSchema.parse(pendingJson);
const recovery = whoopRecoverySchema.parse(recoveryJson);

describe("whoopSleepToCanonical", () => {
  it("converts the scored stage summary from milliseconds to seconds", () => {
    const stages = scoredJson.score.stage_summary;
    const { session, sleepDay } = whoopSleepToCanonical(scored);
    expect(sleepDay).toEqual({
      date: "2026-03-10",
      source: "whoop",
      total_sleep_s: Math.round(
        (stages.total_light_sleep_time_milli + stages.total_slow_wave_sleep_time_milli + stages.total_rem_sleep_time_milli) /
          1000,
      ),
      deep_s: Math.round(stages.total_slow_wave_sleep_time_milli / 1000),
      light_s: Math.round(stages.total_light_sleep_time_milli / 1000),
      rem_s: Math.round(stages.total_rem_sleep_time_milli / 1000),
      awake_s: Math.round(stages.total_awake_time_milli / 1000),
      efficiency_pct: scoredJson.score.sleep_efficiency_percentage,
      latency_s: null,
      bedtime_start: scoredJson.start,
      bedtime_end: scoredJson.end,
      avg_hrv_ms: null,
      lowest_hr_bpm: null,
    });
    expect(session).toMatchObject({ vendor_object_id: scoredJson.id, is_main: true, date: "2026-03-10" });
  });

  it("dates a night by its end on the sleep's own clock, not UTC", () => {
    // Ends 21:58Z on the 10th, which is 06:58 on the 11th at +09:00.
    expect(whoopSleepToCanonical(pending).session.date).toBe("2026-03-11");
    const lateUtc = { ...scored, end: "2026-03-11T02:30:00.000Z" };
    expect(whoopSleepToCanonical({ ...lateUtc, timezone_offset: "-05:00" }).session.date).toBe("2026-03-10");
    expect(whoopSleepToCanonical({ ...lateUtc, timezone_offset: "+01:00" }).session.date).toBe("2026-03-11");
    expect(whoopSleepToCanonical({ ...lateUtc, timezone_offset: "Z" }).session.date).toBe("2026-03-11");
  });

  it("keeps a nap as a session only", () => {
    const mapped = whoopSleepToCanonical(nap);
    expect(mapped.session.is_main).toBe(false);
    expect(mapped.session.fields.light_s).toBe(Math.round(napJson.score.stage_summary.total_light_sleep_time_milli / 1000));
    expect(mapped.sleepDay).toBeUndefined();
  });

  it("gives no stage values for a sleep that is not scored yet", () => {
    const { sleepDay } = whoopSleepToCanonical(pending);
    expect(sleepDay).toMatchObject({ total_sleep_s: null, deep_s: null, light_s: null, rem_s: null, awake_s: null, efficiency_pct: null });
    expect(sleepDay?.bedtime_end).toBe(pendingJson.end);
  });

  it("refuses a scored sleep with a malformed stage summary", () => {
    const broken = { ...scoredJson, score: { ...scoredJson.score, stage_summary: { total_in_bed_time_milli: 1 } } };
    expect(whoopSleepSchema.safeParse(broken).success).toBe(false);
    expect(whoopSleepSchema.safeParse({ ...scoredJson, timezone_offset: "EST" }).success).toBe(false);
  });
});

describe("whoopRecoveryToHrv", () => {
  it("reads RMSSD and resting heart rate of a scored recovery", () => {
    expect(whoopRecoveryToHrv(recovery, "2026-03-10")).toEqual({
      date: "2026-03-10",
      source: "whoop",
      rmssd_ms: recoveryJson.score.hrv_rmssd_milli,
      sdnn_ms: null,
      resting_hr_bpm: recoveryJson.score.resting_heart_rate,
    });
  });

  it("gives nothing before the recovery is scored", () => {
    const unscored = whoopRecoverySchema.parse({ ...recoveryJson, score_state: "PENDING_SCORE", score: undefined });
    expect(whoopRecoveryToHrv(unscored, "2026-03-10")).toBeNull();
  });

  it("dates a period's recoveries by their sleeps and skips naps", () => {
    const nights = whoopNightsToCanonical([nap, scored, pending], [recovery]);
    expect(nights.sessions.map((s) => [s.vendor_object_id, s.is_main])).toEqual([
      [napJson.id, false],
      [scoredJson.id, true],
      [pendingJson.id, true],
    ]);
    expect(nights.sleepDays.map((d) => d.date)).toEqual(["2026-03-10", "2026-03-11"]);
    expect(nights.hrvDays).toEqual([whoopRecoveryToHrv(recovery, "2026-03-10")]);
  });
});

describe("a night WHOOP split in two", () => {
  const first = whoopSleepSchema.parse(splitFirstJson);
  const second = whoopSleepSchema.parse(splitSecondJson);
  const splitRecovery = whoopRecoverySchema.parse(splitRecoveryJson);
  const stages = (json: typeof splitFirstJson) => json.score.stage_summary;
  const asleepMs = (json: typeof splitFirstJson) =>
    stages(json).total_light_sleep_time_milli + stages(json).total_slow_wave_sleep_time_milli + stages(json).total_rem_sleep_time_milli;

  it("is one night: both segments summed, first start to last end, asleep over in bed", () => {
    const nights = whoopNightsToCanonical([second, first], [splitRecovery]);
    const inBedMs = stages(splitFirstJson).total_in_bed_time_milli + stages(splitSecondJson).total_in_bed_time_milli;
    const asleep = Math.round(asleepMs(splitFirstJson) / 1000) + Math.round(asleepMs(splitSecondJson) / 1000);
    expect(nights.sleepDays).toEqual([{
      date: "2026-03-10", source: "whoop",
      total_sleep_s: asleep,
      deep_s: (stages(splitFirstJson).total_slow_wave_sleep_time_milli + stages(splitSecondJson).total_slow_wave_sleep_time_milli) / 1000,
      light_s: (stages(splitFirstJson).total_light_sleep_time_milli + stages(splitSecondJson).total_light_sleep_time_milli) / 1000,
      rem_s: (stages(splitFirstJson).total_rem_sleep_time_milli + stages(splitSecondJson).total_rem_sleep_time_milli) / 1000,
      awake_s: Math.round(stages(splitFirstJson).total_awake_time_milli / 1000) + Math.round(stages(splitSecondJson).total_awake_time_milli / 1000),
      efficiency_pct: (100 * asleep * 1000) / inBedMs,
      latency_s: null,
      bedtime_start: splitFirstJson.start, bedtime_end: splitSecondJson.end,
      avg_hrv_ms: null, lowest_hr_bpm: null,
    }]);
    // The longer segment is the main session; the other stays a session of the same date.
    expect(nights.sessions.map((s) => [s.vendor_object_id, s.date, s.is_main])).toEqual([
      [second.id, "2026-03-10", false],
      [first.id, "2026-03-10", true],
    ]);
  });

  it("keeps its recovery although WHOOP computed it from the shorter segment", () => {
    const nights = whoopNightsToCanonical([first, second], [splitRecovery]);
    expect(nights.hrvDays).toEqual([{ date: "2026-03-10", source: "whoop", rmssd_ms: 38.912445, sdnn_ms: null, resting_hr_bpm: 57 }]);
  });
});

describe("parseWhoopEvent", () => {
  const sentAt = Date.parse("2026-03-10T11:47:05.000Z");

  it("reads sleep.updated as an upsert of the sleep", () => {
    expect(parseWhoopEvent(sleepUpdatedJson, sentAt)).toEqual({
      ok: true,
      value: {
        vendor: "whoop",
        vendor_user_id: "10129",
        object_type: "sleep",
        object_id: sleepUpdatedJson.id,
        action: "upsert",
        event_time: "2026-03-10T11:47:05.000Z",
        trace_id: sleepUpdatedJson.trace_id,
      },
    });
  });

  it("reads recovery.updated with the sleep id and sleep.deleted as a delete", () => {
    const recoveryEvent = parseWhoopEvent(recoveryUpdatedJson, sentAt);
    expect(recoveryEvent.ok && [recoveryEvent.value.object_type, recoveryEvent.value.object_id]).toEqual([
      "recovery",
      scoredJson.id,
    ]);
    const deleted = parseWhoopEvent(sleepDeletedJson, sentAt);
    expect(deleted.ok && [deleted.value.object_type, deleted.value.action]).toEqual(["sleep", "delete"]);
  });

  it("refuses a body without an id or with an unknown change", () => {
    expect(parseWhoopEvent({ ...sleepUpdatedJson, id: undefined }, sentAt).ok).toBe(false);
    expect(parseWhoopEvent({ ...sleepUpdatedJson, type: "sleep.created" }, sentAt).ok).toBe(false);
    expect(parseWhoopEvent("not json object", sentAt).ok).toBe(false);
  });
});

describe("WHOOP API reads", () => {
  const base = "https://api.whoop.test/developer";

  it("keeps the base path and fetches a sleep, then its cycle's recovery", async () => {
    const paths: string[] = [];
    const fetchImpl = async (url: string) => {
      const { pathname } = new URL(url);
      paths.push(pathname);
      return Response.json(pathname.endsWith("/recovery") ? recoveryJson : scoredJson);
    };
    const sleep = await fetchWhoopSleep({ baseUrl: base, accessToken: "tok", fetchImpl }, scoredJson.id);
    const rec = await fetchWhoopRecovery({ baseUrl: base, accessToken: "tok", fetchImpl }, sleep.cycle_id);
    expect(rec.sleep_id).toBe(sleep.id);
    expect(paths).toEqual([`/developer/v2/activity/sleep/${scoredJson.id}`, `/developer/v2/cycle/${scoredJson.cycle_id}/recovery`]);
  });

  it("pages sleep with start, end, limit and nextToken", async () => {
    const urls: URL[] = [];
    const fetchImpl = async (url: string) => {
      const parsed = new URL(url);
      urls.push(parsed);
      return Response.json(parsed.searchParams.get("nextToken") === page1Json.next_token ? page2Json : page1Json);
    };
    const sleeps = await listWhoopSleep({ baseUrl: base, accessToken: "tok", fetchImpl }, "2026-03-09T00:00:00.000Z", "2026-03-12T00:00:00.000Z");
    expect(sleeps.map((s) => s.id)).toEqual([napJson.id, scoredJson.id, pendingJson.id]);
    expect(urls[0]?.pathname).toBe("/developer/v2/activity/sleep");
    expect(urls[0]?.searchParams.get("start")).toBe("2026-03-09T00:00:00.000Z");
    expect(urls[0]?.searchParams.get("end")).toBe("2026-03-12T00:00:00.000Z");
    expect(urls[0]?.searchParams.get("limit")).toBe("25");
    expect(urls[1]?.searchParams.get("nextToken")).toBe(page1Json.next_token);
  });

  it("lists recoveries from /v2/recovery", async () => {
    const fetchImpl = async (url: string) => {
      expect(new URL(url).pathname).toBe("/developer/v2/recovery");
      return Response.json({ records: [recoveryJson], next_token: null });
    };
    const recoveries = await listWhoopRecovery({ baseUrl: base, accessToken: "tok", fetchImpl }, "2026-03-09T00:00:00Z", "2026-03-12T00:00:00Z");
    expect(recoveries.map((r) => r.cycle_id)).toEqual([recoveryJson.cycle_id]);
  });

  it("reads the WHOOP user id from the basic profile", async () => {
    const fetchImpl = async (url: string) => {
      expect(new URL(url).pathname).toBe("/developer/v2/user/profile/basic");
      return Response.json(profileJson);
    };
    expect((await fetchWhoopProfile({ baseUrl: base, accessToken: "tok", fetchImpl })).user_id).toBe(profileJson.user_id);
  });
});
