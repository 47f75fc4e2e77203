import { describe, expect, it } from "vitest";
import {
  fetchOuraPersonalInfo,
  fetchOuraSleep,
  listOuraSleep,
  ouraNightsToCanonical,
  ouraSleepSchema,
  ouraSleepToCanonical,
  parseOuraEvent,
  pickMainOuraSleep,
} from "../../workers/vendors/oura";
import longSleepJson from "../fixtures/oura/sleep-long-sleep.json";
import napJson from "../fixtures/oura/sleep-nap.json";
import shortNightJson from "../fixtures/oura/sleep-short-night.json";
import lateNapJson from "../fixtures/oura/sleep-late-nap.json";
import nextDayJson from "../fixtures/oura/sleep-next-day.json";
import page1Json from "../fixtures/oura/sleep-list-page-1.json";
import page2Json from "../fixtures/oura/sleep-list-page-2.json";
import webhookUpdateJson from "../fixtures/oura/webhook-sleep-update.json";
import webhookDeleteJson from "../fixtures/oura/webhook-sleep-delete.json";
import personalInfoJson from "../fixtures/oura/personal-info.json";

const longSleep = ouraSleepSchema.parse(longSleepJson);
const nap = ouraSleepSchema.parse(napJson);
const nextDay = ouraSleepSchema.parse(nextDayJson);
const shortNight = ouraSleepSchema.parse(shortNightJson);
const lateNap = ouraSleepSchema.parse(lateNapJson);

describe("ouraSleepToCanonical", () => {
  it("maps the main long_sleep to daily rows with the document's own values", () => {
    const { session, sleepDay, hrvDay } = ouraSleepToCanonical(longSleep);
    expect(sleepDay).toEqual({
      date: longSleepJson.day,
      source: "oura",
      total_sleep_s: longSleepJson.total_sleep_duration,
      deep_s: longSleepJson.deep_sleep_duration,
      light_s: longSleepJson.light_sleep_duration,
      rem_s: longSleepJson.rem_sleep_duration,
      awake_s: longSleepJson.awake_time,
      efficiency_pct: longSleepJson.efficiency,
      latency_s: longSleepJson.latency,
      bedtime_start: new Date(longSleepJson.bedtime_start).toISOString(),
      bedtime_end: new Date(longSleepJson.bedtime_end).toISOString(),
      avg_hrv_ms: longSleepJson.average_hrv,
      lowest_hr_bpm: longSleepJson.lowest_heart_rate,
      short_night: false,
    });
    expect(hrvDay).toEqual({
      date: longSleepJson.day,
      source: "oura",
      rmssd_ms: longSleepJson.average_hrv,
      sdnn_ms: null,
      resting_hr_bpm: longSleepJson.lowest_heart_rate,
    });
    expect(session).toMatchObject({ vendor_object_id: longSleepJson.id, date: "2026-03-10", is_main: true });
  });

  it("stores instants in UTC: 23:12:30+01:00 becomes 22:12:30Z the evening before", () => {
    const { session } = ouraSleepToCanonical(longSleep);
    expect(session.start).toBe("2026-03-09T22:12:30.000Z");
    expect(session.end).toBe("2026-03-10T06:04:00.000Z");
  });

  it("keeps a nap as a session only", () => {
    const mapped = ouraSleepToCanonical(nap);
    expect(mapped.session.is_main).toBe(false);
    expect(mapped.session.fields.total_sleep_s).toBe(napJson.total_sleep_duration);
    expect(mapped.sleepDay).toBeUndefined();
    expect(mapped.hrvDay).toBeUndefined();
  });

  it("leaves missing values null instead of inventing zeros", () => {
    const partial = ouraSleepSchema.parse({ ...longSleepJson, average_hrv: null, lowest_heart_rate: null, latency: undefined });
    const mapped = ouraSleepToCanonical(partial);
    expect(mapped.sleepDay?.latency_s).toBeNull();
    expect(mapped.sleepDay?.avg_hrv_ms).toBeNull();
    expect(mapped.hrvDay).toBeUndefined();
  });

  it("refuses a document without the fields the mapping needs", () => {
    expect(ouraSleepSchema.safeParse({ ...longSleepJson, day: "10/03/2026" }).success).toBe(false);
    expect(ouraSleepSchema.safeParse({ ...longSleepJson, deep_sleep_duration: "5220" }).success).toBe(false);
  });
});

describe("main night selection", () => {
  it("picks the long_sleep over a nap of the same day, whatever the order", () => {
    expect(pickMainOuraSleep([nap, longSleep])?.id).toBe(longSleep.id);
    expect(pickMainOuraSleep([longSleep, nap])?.id).toBe(longSleep.id);
  });

  it("picks the long_sleep with the most sleep when a day has two", () => {
    const shorter = { ...longSleep, id: "short", total_sleep_duration: 3600 };
    expect(pickMainOuraSleep([longSleep, shorter])?.id).toBe(longSleep.id);
    expect(pickMainOuraSleep([shorter, longSleep])?.id).toBe(longSleep.id);
  });

  it("finds no night in a day of late naps and rest periods", () => {
    expect(pickMainOuraSleep([lateNap, { ...nap, type: "rest" }])).toBeUndefined();
  });

  it("maps several days: one daily row per day, every document as a session", () => {
    const nights = ouraNightsToCanonical([nap, longSleep, nextDay]);
    expect(nights.sessions).toHaveLength(3);
    expect(nights.sleepDays.map((d) => [d.date, d.total_sleep_s])).toEqual([
      ["2026-03-10", longSleepJson.total_sleep_duration],
      ["2026-03-11", nextDayJson.total_sleep_duration],
    ]);
    expect(nights.hrvDays.map((d) => d.rmssd_ms)).toEqual([longSleepJson.average_hrv, nextDayJson.average_hrv]);
  });
});

describe("short nights and late naps", () => {
  it("a day without a long_sleep takes its longest `sleep` as a short night, with its HRV", () => {
    // 2.5 h asleep: Oura types the period `sleep`, so the night would vanish if only long_sleep counted.
    const shorter = { ...shortNight, id: "shorter", total_sleep_duration: 1200 };
    const nights = ouraNightsToCanonical([shorter, shortNight]);
    expect(nights.sleepDays).toEqual([expect.objectContaining({ date: "2026-03-12", total_sleep_s: 9000, short_night: true })]);
    expect(nights.hrvDays).toEqual([{ date: "2026-03-12", source: "oura", rmssd_ms: 33, sdnn_ms: null, resting_hr_bpm: 58 }]);
    expect(nights.sessions.map((s) => [s.vendor_object_id, s.is_main])).toEqual([["shorter", false], [shortNight.id, true]]);
  });

  it("a long_sleep is never flagged short, and wins over a longer-sleeping `sleep` of its day", () => {
    const longerNap = { ...nap, total_sleep_duration: 30_000 };
    expect(pickMainOuraSleep([longerNap, longSleep])?.id).toBe(longSleep.id);
    expect(ouraNightsToCanonical([longSleep]).sleepDays[0]?.short_night).toBe(false);
  });

  it("a late nap counts toward the next day: a session there, never the evening's or the next day's night", () => {
    // Oura files it under the next day; a document still filed under the evening's date moves there too.
    for (const doc of [lateNap, { ...lateNap, day: "2026-03-10" }]) {
      const nights = ouraNightsToCanonical([longSleep, doc, nextDay]);
      expect(nights.sessions.find((s) => s.vendor_object_id === lateNap.id)).toMatchObject({ date: "2026-03-11", is_main: false });
      expect(nights.sleepDays.map((d) => [d.date, d.total_sleep_s, d.short_night])).toEqual([
        ["2026-03-10", longSleepJson.total_sleep_duration, false],
        ["2026-03-11", nextDayJson.total_sleep_duration, false],
      ]);
    }
    expect(ouraNightsToCanonical([lateNap]).sleepDays).toEqual([]);
  });
});

describe("parseOuraEvent", () => {
  it("reads an update notification", () => {
    const parsed = parseOuraEvent(webhookUpdateJson);
    expect(parsed).toEqual({
      ok: true,
      value: {
        vendor: "oura",
        vendor_user_id: webhookUpdateJson.user_id,
        object_type: "sleep",
        object_id: webhookUpdateJson.object_id,
        action: "upsert",
        event_time: new Date(webhookUpdateJson.event_time).toISOString(),
      },
    });
  });

  it("reads a delete notification as a delete", () => {
    const parsed = parseOuraEvent(webhookDeleteJson);
    expect(parsed.ok && parsed.value.action).toBe("delete");
  });

  it("refuses an object id that could escape the API path", () => {
    const parsed = parseOuraEvent({ ...webhookUpdateJson, object_id: "../personal_info" });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.issues[0]?.path).toEqual(["object_id"]);
  });

  it("refuses an unknown event type", () => {
    expect(parseOuraEvent({ ...webhookUpdateJson, event_type: "upsert" }).ok).toBe(false);
  });
});

describe("Oura API reads", () => {
  const base = "https://oura.test";

  it("fetches one sleep document by id with the bearer token", async () => {
    const seen: { url: string; auth: string | null }[] = [];
    const fetchImpl = async (url: string, init?: RequestInit) => {
      seen.push({ url, auth: new Headers(init?.headers).get("authorization") });
      return Response.json(longSleepJson);
    };
    const doc = await fetchOuraSleep({ baseUrl: base, accessToken: "tok-1", fetchImpl }, longSleepJson.id);
    expect(doc.id).toBe(longSleepJson.id);
    expect(seen).toEqual([{ url: `${base}/v2/usercollection/sleep/${longSleepJson.id}`, auth: "Bearer tok-1" }]);
  });

  it("follows next_token through every page of a list", async () => {
    const urls: URL[] = [];
    const fetchImpl = async (url: string) => {
      const parsed = new URL(url);
      urls.push(parsed);
      return Response.json(parsed.searchParams.get("next_token") === page1Json.next_token ? page2Json : page1Json);
    };
    const docs = await listOuraSleep({ baseUrl: base, accessToken: "tok", fetchImpl }, "2026-03-10", "2026-03-11");
    expect(docs.map((d) => d.id)).toEqual([longSleepJson.id, napJson.id, nextDayJson.id]);
    expect(urls).toHaveLength(2);
    expect(urls[0]?.pathname).toBe("/v2/usercollection/sleep");
    expect(urls[0]?.searchParams.get("start_date")).toBe("2026-03-10");
    expect(urls[0]?.searchParams.get("end_date")).toBe("2026-03-11");
    expect(urls[0]?.searchParams.has("next_token")).toBe(false);
    expect(urls[1]?.searchParams.get("next_token")).toBe(page1Json.next_token);
  });

  it("stops a vendor that keeps returning the same next_token", async () => {
    const fetchImpl = async () => Response.json({ data: [], next_token: "again" });
    await expect(listOuraSleep({ baseUrl: base, accessToken: "tok", fetchImpl }, "2026-03-10", "2026-03-11")).rejects.toMatchObject({
      kind: "permanent",
    });
  });

  it("reads the Oura user id from personal_info", async () => {
    const fetchImpl = async (url: string) => {
      expect(new URL(url).pathname).toBe("/v2/usercollection/personal_info");
      return Response.json(personalInfoJson);
    };
    const info = await fetchOuraPersonalInfo({ baseUrl: base, accessToken: "tok", fetchImpl });
    expect(info.id).toBe(personalInfoJson.id);
  });
});
