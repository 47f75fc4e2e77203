import { describe, expect, it } from "vitest";
import { addDays, generateDemoDays, generateOuraHistory, generateWhoopHistory } from "../../scripts/sim/generate";
import { ouraNightsToCanonical, ouraSleepSchema } from "../../workers/vendors/oura";
import { whoopNightsToCanonical, whoopRecoverySchema, whoopSleepSchema } from "../../workers/vendors/whoop";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function standardDeviation(values: number[]): number {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length);
}

describe("Oura history generator", () => {
  const options = { vendorUserId: "gen-user", days: 60, endDate: "2026-05-31", seed: 42 };
  const history = generateOuraHistory(options);
  const nights = history.filter((document) => document.type === "long_sleep");

  it("is deterministic per seed and user", () => {
    expect(generateOuraHistory(options)).toEqual(history);
    expect(generateOuraHistory({ ...options, seed: 43 })).not.toEqual(history);
    expect(generateOuraHistory({ ...options, vendorUserId: "someone-else" })).not.toEqual(history);
  });

  it("has one long_sleep per night, dated by the local day the night ends", () => {
    expect(nights.map((night) => night.day)).toEqual(Array.from({ length: 60 }, (_, i) => addDays("2026-05-31", i - 59)));
    for (const night of nights) {
      expect(night.id).toMatch(UUID);
      expect(night.bedtime_start).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+02:00$/);
      expect(night.bedtime_end.slice(0, 10)).toBe(night.day);
      expect((Date.parse(night.bedtime_end) - Date.parse(night.bedtime_start)) / 1000).toBe(night.time_in_bed);
    }
    expect(new Set(history.map((document) => document.id)).size).toBe(history.length);
  });

  it("keeps durations consistent and values in realistic ranges", () => {
    for (const night of nights) {
      const stages = night.deep_sleep_duration + night.light_sleep_duration + night.rem_sleep_duration;
      expect(stages).toBe(night.total_sleep_duration);
      expect(night.total_sleep_duration + night.awake_time).toBe(night.time_in_bed);
      expect(night.latency).toBeLessThanOrEqual(night.awake_time);
      expect(night.efficiency).toBeGreaterThanOrEqual(75);
      expect(night.efficiency).toBeLessThanOrEqual(95);
      expect(night.average_hrv).toBeGreaterThanOrEqual(30);
      expect(night.average_hrv).toBeLessThanOrEqual(90);
      expect(night.lowest_heart_rate).toBeGreaterThanOrEqual(45);
      expect(night.lowest_heart_rate).toBeLessThanOrEqual(60);
      expect(night.lowest_heart_rate).toBe(Math.min(...(night.heart_rate?.items as number[])));
      expect(night.total_sleep_duration).toBeGreaterThan(4 * 3600);
      expect(night.sleep_phase_5_min).toHaveLength(Math.ceil(night.time_in_bed / 300));
    }
  });

  it("gives HRV a personal mean with day-to-day noise", () => {
    const hrv = nights.map((night) => night.average_hrv ?? 0);
    expect(standardDeviation(hrv)).toBeGreaterThan(2);
    const means = ["a", "b", "c", "d", "e", "f"].map((user) => {
      const values = generateOuraHistory({ ...options, vendorUserId: user })
        .filter((document) => document.type === "long_sleep")
        .map((document) => document.average_hrv ?? 0);
      return values.reduce((sum, value) => sum + value, 0) / values.length;
    });
    expect(Math.max(...means) - Math.min(...means)).toBeGreaterThan(5);
  });

  it("adds occasional naps that are never long_sleep", () => {
    const naps = history.filter((document) => document.type !== "long_sleep");
    expect(naps.length).toBeGreaterThan(0);
    expect(naps.length).toBeLessThan(nights.length / 2);
    for (const nap of naps) {
      expect(["sleep", "late_nap"]).toContain(nap.type);
      expect(nap.time_in_bed).toBeLessThanOrEqual(3600);
    }
    expect(generateOuraHistory({ ...options, napProbability: 0 }).every((doc) => doc.type === "long_sleep")).toBe(true);
  });
});

describe("WHOOP history generator", () => {
  const options = { vendorUserId: 9001, days: 30, endDate: "2026-05-31", seed: 5 };
  const { sleeps, recoveries } = generateWhoopHistory(options);
  const mainSleeps = sleeps.filter((sleep) => !sleep.nap);

  it("is deterministic per seed", () => {
    expect(generateWhoopHistory(options)).toEqual({ sleeps, recoveries });
    expect(generateWhoopHistory({ ...options, seed: 6 }).sleeps[0]?.id).not.toBe(sleeps[0]?.id);
  });

  it("writes v2 sleeps whose end, shifted by the offset, falls on each night's date", () => {
    expect(mainSleeps).toHaveLength(30);
    mainSleeps.forEach((sleep, index) => {
      expect(sleep.id).toMatch(UUID);
      expect(Number.isInteger(sleep.cycle_id)).toBe(true);
      expect(sleep).toMatchObject({ user_id: 9001, timezone_offset: "-05:00", score_state: "SCORED" });
      const localEnd = new Date(Date.parse(sleep.end) - 5 * 3600_000).toISOString().slice(0, 10);
      expect(localEnd).toBe(addDays("2026-05-02", index));
      const summary = sleep.score?.stage_summary;
      if (!summary) throw new Error("scored sleep without score");
      const parts = summary.total_awake_time_milli + summary.total_light_sleep_time_milli +
        summary.total_slow_wave_sleep_time_milli + summary.total_rem_sleep_time_milli;
      expect(parts).toBe(summary.total_in_bed_time_milli);
      expect(summary.total_in_bed_time_milli).toBe(Date.parse(sleep.end) - Date.parse(sleep.start));
    });
    expect(new Set(mainSleeps.map((sleep) => sleep.cycle_id)).size).toBe(30);
  });

  it("links one scored recovery to each main sleep", () => {
    expect(recoveries).toHaveLength(mainSleeps.length);
    for (const recovery of recoveries) {
      const sleep = mainSleeps.find((candidate) => candidate.id === recovery.sleep_id);
      expect(sleep?.cycle_id).toBe(recovery.cycle_id);
      expect(recovery.score?.hrv_rmssd_milli).toBeGreaterThanOrEqual(30);
      expect(recovery.score?.hrv_rmssd_milli).toBeLessThanOrEqual(90);
      expect(recovery.score?.recovery_score).toBeGreaterThanOrEqual(1);
      expect(recovery.score?.recovery_score).toBeLessThanOrEqual(99);
    }
  });
});

describe("demo days", () => {
  it("produces one canonical row per day with UTC instants and Oura-mapped values", () => {
    const rows = generateDemoDays(14, "2026-06-14", 1);
    expect(rows.map((row) => row.date)).toEqual(Array.from({ length: 14 }, (_, i) => addDays("2026-06-01", i)));
    for (const row of rows) {
      expect(row.source).toBe("oura");
      expect(row.rmssd_ms).toBe(row.avg_hrv_ms);
      expect(row.resting_hr_bpm).toBe(row.lowest_hr_bpm);
      expect(row.deep_s + row.light_s + row.rem_s).toBe(row.total_sleep_s);
      expect(row.bedtime_start).toMatch(/Z$/);
      expect(Date.parse(row.bedtime_end)).toBeGreaterThan(Date.parse(row.bedtime_start));
    }
    expect(generateDemoDays(14, "2026-06-14", 1)).toEqual(rows);
  });
});

describe("histories with short nights, naps, late naps and split nights", () => {
  const endDate = "2026-05-31";
  const dates = Array.from({ length: 60 }, (_, i) => addDays(endDate, i - 59));

  it("Oura: short nights are `sleep` periods under 3 h, late naps are filed under the next day; every day keeps its night", () => {
    const docs = generateOuraHistory({ vendorUserId: "athlete", days: 60, endDate, seed: 8, napProbability: 0.4, shortNightProbability: 0.15 });
    const shortNights = docs.filter((doc) => doc.type === "sleep" && doc.time_in_bed > 3600);
    const lateNaps = docs.filter((doc) => doc.type === "late_nap");
    expect(shortNights.length).toBeGreaterThan(2);
    expect(lateNaps.length).toBeGreaterThan(0);
    for (const night of shortNights) expect(night.time_in_bed).toBeLessThan(3 * 3600);
    for (const nap of lateNaps) expect(nap.day).toBe(addDays(nap.bedtime_end.slice(0, 10), 1));

    const mapped = ouraNightsToCanonical(docs.map((doc) => ouraSleepSchema.parse(doc)));
    expect(mapped.sleepDays.map((day) => day.date).sort()).toEqual(dates);
    expect(mapped.sleepDays.filter((day) => day.short_night).map((day) => day.date).sort()).toEqual(shortNights.map((doc) => doc.day).sort());
    expect(mapped.hrvDays).toHaveLength(60);
  });

  it("WHOOP: a split night is two non-nap sleeps of one cycle whose recovery names the second; each date keeps one night and its HRV", () => {
    const history = generateWhoopHistory({ vendorUserId: 77, days: 60, endDate, seed: 4, splitNightProbability: 0.2, shortNightProbability: 0.1 });
    const nonNaps = history.sleeps.filter((sleep) => !sleep.nap);
    const byCycle = new Map<number, typeof nonNaps>();
    for (const sleep of nonNaps) byCycle.set(sleep.cycle_id, [...(byCycle.get(sleep.cycle_id) ?? []), sleep]);
    const split = [...byCycle.values()].filter((segments) => segments.length === 2);
    expect(split.length).toBeGreaterThan(3);
    for (const [first, second] of split) {
      expect(Date.parse(second!.start)).toBeGreaterThan(Date.parse(first!.end));
      expect(history.recoveries.find((r) => r.cycle_id === first!.cycle_id)?.sleep_id).toBe(second!.id);
    }
    const mapped = whoopNightsToCanonical(
      history.sleeps.map((sleep) => whoopSleepSchema.parse(sleep)),
      history.recoveries.map((recovery) => whoopRecoverySchema.parse(recovery)),
    );
    expect(mapped.sleepDays.map((day) => day.date).sort()).toEqual(dates);
    expect(mapped.hrvDays.map((day) => day.date).sort()).toEqual(dates);
  });
});
