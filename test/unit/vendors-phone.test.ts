import { describe, expect, it } from "vitest";
import {
  PHONE_SAMPLES_MAX,
  type PhoneBatch,
  type StoredPhoneSample,
  affectedPhoneDates,
  aggregatePhoneDays,
  phoneSampleWindow,
  validatePhoneBatch,
} from "../../workers/vendors/phone-samples";
import appleJson from "../fixtures/phone/apple-health-batch.json";
import healthConnectJson from "../fixtures/phone/health-connect-batch.json";

function validBatch(json: unknown): PhoneBatch {
  const check = validatePhoneBatch(json);
  if (!check.ok) throw new Error(check.message);
  return check.batch;
}

function stored(batch: PhoneBatch): StoredPhoneSample[] {
  return batch.samples.map((s) => ({ ...s, source: batch.source }));
}

const apple = stored(validBatch(appleJson));
const healthConnect = stored(validBatch(healthConnectJson));

describe("validatePhoneBatch", () => {
  it("accepts both platforms' batches and normalizes instants to UTC", () => {
    const batch = validBatch({
      source: "health_connect",
      samples: [{ uuid: "a1", type: "resting_hr", start: "2026-03-10T07:30:00+01:00", end: "2026-03-10T07:30:00+01:00", value: 57, unit: "bpm" }],
    });
    expect(batch.samples[0]).toEqual({
      uuid: "a1",
      type: "resting_hr",
      start: "2026-03-10T06:30:00.000Z",
      end: "2026-03-10T06:30:00.000Z",
      value: 57,
      unit: "bpm",
      stage: null,
      utc_offset_min: 60,
    });
    expect(apple.length).toBe(appleJson.samples.length);
  });

  const withSample = (index: number, change: Record<string, unknown>) => ({
    ...appleJson,
    samples: appleJson.samples.map((s, i) => (i === index ? { ...s, ...change } : s)),
  });
  const failure = (json: unknown) => {
    const check = validatePhoneBatch(json);
    if (check.ok) throw new Error("expected the batch to be refused");
    return check;
  };

  it("names the index of the first offending sample", () => {
    const firstHrv = appleJson.samples.findIndex((s) => s.type === "hrv_sdnn");
    expect(failure(withSample(3, { end: "2026-03-09T15:00:00.000Z" }))).toMatchObject({ reason: "invalid", index: 3 });
    expect(failure(withSample(7, { value: 12 }))).toMatchObject({ index: 7 }); // a sleep stage has no value
    expect(failure(withSample(7, { stage: undefined }))).toMatchObject({ index: 7 });
    expect(failure(withSample(7, { stage: "napping" }))).toMatchObject({ index: 7 });
    expect(failure(withSample(firstHrv, { value: undefined }))).toMatchObject({ index: firstHrv });
    expect(failure(withSample(firstHrv, { value: -3 }))).toMatchObject({ index: firstHrv });
    expect(failure(withSample(2, { start: "2026-03-09 14:48:00" }))).toMatchObject({ index: 2 });
    expect(failure(withSample(2, { start: "2026-03-09T14:48:00" }))).toMatchObject({ index: 2 }); // no offset
    expect(failure(withSample(2, { uuid: "" }))).toMatchObject({ index: 2 });
  });

  it("reports the earliest of several bad samples", () => {
    const json = withSample(9, { type: "steps" });
    json.samples[4] = { ...json.samples[4]!, end: "2026-03-08T00:00:00.000Z" };
    expect(failure(json)).toMatchObject({ index: 4 });
  });

  it("refuses the HRV measure the platform does not report", () => {
    const firstHrv = appleJson.samples.findIndex((s) => s.type === "hrv_sdnn");
    expect(failure(withSample(firstHrv, { type: "hrv_rmssd" }))).toMatchObject({ index: firstHrv });
    const hcHrv = healthConnectJson.samples.findIndex((s) => s.type === "hrv_rmssd");
    const hc = { ...healthConnectJson, samples: healthConnectJson.samples.map((s, i) => (i === hcHrv ? { ...s, type: "hrv_sdnn" } : s)) };
    expect(failure(hc)).toMatchObject({ index: hcHrv });
  });

  it("refuses a bad envelope without an index, and too many samples apart", () => {
    expect(failure({ ...appleJson, source: "fitbit" })).toMatchObject({ reason: "invalid", index: null });
    expect(failure({ source: "apple_health", samples: [] })).toMatchObject({ reason: "invalid", index: null });
    const sample = appleJson.samples[0]!;
    const many = Array.from({ length: PHONE_SAMPLES_MAX + 1 }, (_, i) => ({ ...sample, uuid: `s-${i}` }));
    expect(failure({ source: "apple_health", samples: many })).toMatchObject({ reason: "too_many_samples" });
    const exactly = many.slice(0, PHONE_SAMPLES_MAX);
    expect(validatePhoneBatch({ source: "apple_health", samples: exactly }).ok).toBe(true);
  });
});

describe("aggregatePhoneDays", () => {
  it("gives an Apple night crossing midnight in Tokyo to the date it ends there, counting overlaps once", () => {
    const { sleepDays } = aggregatePhoneDays(apple, "Asia/Tokyo");
    // One row: the 25-minute afternoon nap of the 10th does not replace the night.
    expect(sleepDays).toEqual([
      {
        date: "2026-03-10",
        source: "apple_health",
        total_sleep_s: (239 + 80 + 90) * 60,
        deep_s: 80 * 60,
        light_s: 239 * 60,
        rem_s: 90 * 60,
        awake_s: 41 * 60,
        efficiency_pct: 90.9, // 409 of 450 minutes in bed
        latency_s: null,
        bedtime_start: "2026-03-09T14:30:00.000Z",
        bedtime_end: "2026-03-09T22:00:00.000Z",
        avg_hrv_ms: null,
        lowest_hr_bpm: null,
      },
    ]);
  });

  it("dates by the user's zone: the same Apple night ends on the 9th in UTC", () => {
    const { sleepDays } = aggregatePhoneDays(apple, "UTC");
    const night = sleepDays.find((d) => d.bedtime_start === "2026-03-09T14:30:00.000Z");
    expect(night?.date).toBe("2026-03-09");
  });

  it("means Apple HRV as SDNN over the night's sleep window only; resting HR falls back to the day's value", () => {
    const { hrvDays } = aggregatePhoneDays(apple, "Asia/Tokyo");
    // The night runs 23:30–07:00 in Tokyo: 52.7 and 61.3 were read in it; 38.2 (23:05, before bed)
    // and 44.0 (09:12, a daytime spot reading) stay stored samples but do not feed the night.
    // Apple's resting HR is one value a day, outside the window: each day keeps its own.
    expect(hrvDays).toEqual([
      { date: "2026-03-09", source: "apple_health", rmssd_ms: null, sdnn_ms: null, resting_hr_bpm: 56 },
      { date: "2026-03-10", source: "apple_health", rmssd_ms: null, sdnn_ms: 57, resting_hr_bpm: 54 },
    ]);
  });

  it("sums Health Connect stages, counting asleep_unspecified as sleep, in Berlin", () => {
    const { sleepDays, hrvDays } = aggregatePhoneDays(healthConnect, "Europe/Berlin");
    expect(sleepDays).toHaveLength(1);
    expect(sleepDays[0]).toMatchObject({
      date: "2026-03-10",
      source: "health_connect",
      total_sleep_s: 438 * 60,
      deep_s: 75 * 60,
      light_s: 233 * 60,
      rem_s: 100 * 60,
      awake_s: 27 * 60,
      efficiency_pct: 94.2,
      bedtime_start: "2026-03-09T22:20:00.000Z",
      bedtime_end: "2026-03-10T06:05:00.000Z",
    });
    // 39.0 was read at 21:15, before bed: not part of the night. Resting HR at 07:30 lies within the
    // 30 minutes after waking that still count for the night.
    expect(hrvDays).toEqual([
      { date: "2026-03-10", source: "health_connect", rmssd_ms: 45.2, sdnn_ms: null, resting_hr_bpm: 57 },
    ]);
  });

  it("leaves stages unknown for an unstaged night and efficiency unknown without in_bed", () => {
    const unstaged: StoredPhoneSample[] = [
      { uuid: "u1", type: "sleep_stage", start: "2026-03-09T22:00:00.000Z", end: "2026-03-10T05:00:00.000Z", value: null, unit: null, stage: "asleep_unspecified", source: "apple_health" },
    ];
    const [day] = aggregatePhoneDays(unstaged, "UTC").sleepDays;
    expect(day).toMatchObject({ total_sleep_s: 7 * 3600, deep_s: null, light_s: null, rem_s: null, efficiency_pct: null });
  });

  it("recomputes a day whole: stored plus re-uploaded samples give the same rows as one upload", () => {
    const whole = aggregatePhoneDays(healthConnect, "Europe/Berlin");
    const storedEarlier = healthConnect.slice(0, 6);
    const reuploaded = [...healthConnect.slice(4), ...healthConnect.slice(0, 3)];
    expect(aggregatePhoneDays([...storedEarlier, ...reuploaded], "Europe/Berlin")).toEqual(whole);
  });

  it("keeps the sources of one user apart", () => {
    const { sleepDays } = aggregatePhoneDays([...apple, ...healthConnect], "Europe/Berlin");
    expect(sleepDays.map((d) => [d.date, d.source])).toEqual([
      ["2026-03-09", "apple_health"],
      ["2026-03-10", "apple_health"],
      ["2026-03-10", "health_connect"],
    ]);
  });
});

describe("re-aggregation window", () => {
  it("marks the night's date and its neighbours as affected by a late-evening stage", () => {
    const evening = healthConnect.find((s) => s.stage === "light")!; // 23:34–00:30 Berlin
    expect(affectedPhoneDates([evening], "Europe/Berlin")).toEqual(["2026-03-09", "2026-03-10", "2026-03-11"]);
  });

  it("loads every sample of the affected dates, and onlyDates drops edge rows", () => {
    const dates = affectedPhoneDates(healthConnect.slice(3, 4), "Europe/Berlin");
    const { from, to } = phoneSampleWindow(dates);
    const loaded = [...apple, ...healthConnect].filter((s) => s.end >= from && s.end < to);
    const result = aggregatePhoneDays(loaded, "Europe/Berlin", ["2026-03-10"]);
    expect(result.sleepDays.map((d) => [d.date, d.source])).toEqual([
      ["2026-03-10", "apple_health"],
      ["2026-03-10", "health_connect"],
    ]);
    expect(result.sleepDays[1]).toEqual(aggregatePhoneDays(healthConnect, "Europe/Berlin").sleepDays[0]);
  });
});

describe("phone nights: sleep window and the offset of each upload", () => {
  const sample = (uuid: string, type: StoredPhoneSample["type"], start: string, end: string, extra: Partial<StoredPhoneSample> = {}): StoredPhoneSample => ({
    uuid, type, start, end, value: null, unit: null, stage: null, source: "apple_health", ...extra,
  });
  // A night 23:00–07:00 at +02:00 (21:00Z–05:00Z), SDNN at 01:00 and 04:00, a daytime spot reading of 95 ms at 15:00.
  const night = [
    sample("s1", "sleep_stage", "2026-05-10T21:00:00.000Z", "2026-05-11T05:00:00.000Z", { stage: "asleep_unspecified", utc_offset_min: 120 }),
    sample("h1", "hrv_sdnn", "2026-05-10T23:00:00.000Z", "2026-05-10T23:01:00.000Z", { value: 40, utc_offset_min: 120 }),
    sample("h2", "hrv_sdnn", "2026-05-11T02:00:00.000Z", "2026-05-11T02:01:00.000Z", { value: 50, utc_offset_min: 120 }),
    sample("h3", "hrv_sdnn", "2026-05-11T13:00:00.000Z", "2026-05-11T13:01:00.000Z", { value: 95, utc_offset_min: 120 }),
  ];

  it("feeds only the readings inside the night's window into its HRV", () => {
    expect(aggregatePhoneDays(night, "Europe/Berlin").hrvDays).toEqual([
      { date: "2026-05-11", source: "apple_health", rmssd_ms: null, sdnn_ms: 45, resting_hr_bpm: null },
    ]);
  });

  it("dates by the offset the phone wrote, whatever the profile's zone says later", () => {
    for (const zone of ["Europe/Berlin", "America/Los_Angeles", "Pacific/Kiritimati"]) {
      const { sleepDays, hrvDays } = aggregatePhoneDays(night, zone);
      expect(sleepDays.map((d) => d.date)).toEqual(["2026-05-11"]);
      expect(hrvDays.map((d) => d.date)).toEqual(["2026-05-11"]);
    }
  });

  it("dates an upload without an offset (\"Z\") in the profile's zone", () => {
    const unzoned = night.map((s) => ({ ...s, utc_offset_min: null }));
    // 05:00Z ends the night on the 10th at 22:00 in Los Angeles, the 11th in Berlin.
    expect(aggregatePhoneDays(unzoned, "America/Los_Angeles").sleepDays.map((d) => d.date)).toEqual(["2026-05-10"]);
    expect(aggregatePhoneDays(unzoned, "Europe/Berlin").sleepDays.map((d) => d.date)).toEqual(["2026-05-11"]);
  });

  it("reads a source that uploads no sleep at all by calendar day", () => {
    const hrvOnly = night.slice(1);
    expect(aggregatePhoneDays(hrvOnly, "Europe/Berlin").hrvDays).toEqual([
      { date: "2026-05-11", source: "apple_health", rmssd_ms: null, sdnn_ms: 61.7, resting_hr_bpm: null },
    ]);
  });
});
