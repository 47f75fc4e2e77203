// Mapping of the vendors' activity documents (Oura daily_sleep and workout, WHOOP cycle and workout)
// from their real formats, and the simulators' generated activity read back through the same schemas.
import { describe, expect, it } from "vitest";
import { generateOuraActivity, generateOuraHistory, generateWhoopActivity, generateWhoopHistory } from "../../scripts/sim/generate";
import { grantedScopes, kilojoulesToKcal } from "../../workers/vendors/activity";
import {
  ouraDailySleepSchema, ouraDailySleepToCanonical, ouraWorkoutSchema, ouraWorkoutToCanonical,
} from "../../workers/vendors/oura-activity";
import {
  whoopCycleDate, whoopCycleSchema, whoopCycleToStrain, whoopWorkoutSchema, whoopWorkoutToCanonical,
} from "../../workers/vendors/whoop-activity";
import ouraDailySleepJson from "../fixtures/oura/daily-sleep.json";
import ouraDailySleepEmptyJson from "../fixtures/oura/daily-sleep-no-contributors.json";
import ouraWorkoutJson from "../fixtures/oura/workout.json";
import whoopCycleJson from "../fixtures/whoop/cycle.json";
import whoopCycleOpenJson from "../fixtures/whoop/cycle-open.json";
import whoopWorkoutJson from "../fixtures/whoop/workout.json";

describe("Oura daily_sleep", () => {
  it("maps the score and contributors to the day", () => {
    expect(ouraDailySleepToCanonical(ouraDailySleepSchema.parse(ouraDailySleepJson))).toEqual({
      date: "2026-03-10", source: "oura", sleep_score: 83,
      contributors: { deep_sleep: 77, efficiency: 91, latency: 84, rem_sleep: 85, restfulness: 70, timing: 94, total_sleep: 88 },
    });
  });

  it("keeps a day Oura could not score (null score and contributors), and a document without contributors", () => {
    expect(ouraDailySleepToCanonical(ouraDailySleepSchema.parse(ouraDailySleepEmptyJson))).toMatchObject({ date: "2026-03-11", sleep_score: null });
    const { contributors: _dropped, ...bare } = ouraDailySleepJson;
    expect(ouraDailySleepToCanonical(ouraDailySleepSchema.parse(bare)).contributors).toBeNull();
  });

  it("refuses a score outside 0–100", () => {
    expect(ouraDailySleepSchema.safeParse({ ...ouraDailySleepJson, score: 130 }).success).toBe(false);
  });
});

describe("Oura workout", () => {
  it("maps activity, local times to UTC, calories, distance, intensity, source and label", () => {
    expect(ouraWorkoutToCanonical(ouraWorkoutSchema.parse(ouraWorkoutJson))).toEqual({
      source: "oura", vendor_object_id: ouraWorkoutJson.id, date: "2026-03-10", activity: "running",
      start: "2026-03-10T17:02:00.000Z", end: "2026-03-10T17:49:30.000Z", calories_kcal: 512.348, distance_m: 8421.6,
      intensity: "moderate", recorded_by: "confirmed", label: null,
      strain: null, avg_hr_bpm: null, max_hr_bpm: null, hr_zone_durations_s: null, score_state: null,
    });
  });
});

describe("WHOOP cycle", () => {
  const cycle = whoopCycleSchema.parse(whoopCycleJson);

  it("gives the day's strain, energy in kcal and heart rate", () => {
    expect(whoopCycleToStrain(cycle)).toEqual({
      date: "2026-03-10", source: "whoop", strain: 13.4218, calories_kcal: kilojoulesToKcal(11548.912), avg_hr_bpm: 67, max_hr_bpm: 171,
    });
    expect(kilojoulesToKcal(11548.912)).toBe(2760.3);
  });

  it("is dated by its start on its own clock, an evening start (from 6 pm) counting for the next day", () => {
    const at = (start: string, timezone_offset: string) => whoopCycleDate({ ...cycle, start, timezone_offset });
    expect(at("2026-03-10T04:12:09.180Z", "-05:00")).toBe("2026-03-10"); // 23:12 on the 9th
    expect(at("2026-03-09T22:59:00.000Z", "-05:00")).toBe("2026-03-09"); // 17:59 on the 9th
    expect(at("2026-03-09T23:00:00.000Z", "-05:00")).toBe("2026-03-10"); // 18:00 on the 9th
    expect(at("2026-03-10T06:30:00.000Z", "-05:00")).toBe("2026-03-10"); // 01:30 on the 10th
    expect(at("2026-03-09T22:30:00.000Z", "+01:00")).toBe("2026-03-10"); // 23:30 on the 9th in Europe
  });

  it("has no strain until scored, and the open cycle (no end) parses", () => {
    const open = whoopCycleSchema.parse(whoopCycleOpenJson);
    expect(open.end).toBeNull();
    expect(whoopCycleToStrain(open)).toBeNull();
    expect(whoopCycleSchema.safeParse({ ...whoopCycleJson, score: { ...whoopCycleJson.score, strain: 25 } }).success).toBe(false);
  });
});

describe("WHOOP workout", () => {
  it("maps sport, times, strain, heart rate, kcal, distance and the six zone durations in seconds", () => {
    expect(whoopWorkoutToCanonical(whoopWorkoutSchema.parse(whoopWorkoutJson))).toEqual({
      source: "whoop", vendor_object_id: whoopWorkoutJson.id, date: "2026-03-10", activity: "running",
      start: "2026-03-10T22:02:18.093Z", end: "2026-03-10T22:58:41.720Z", calories_kcal: 600.2, distance_m: 9214.57,
      intensity: null, recorded_by: null, label: null, strain: 12.8163, avg_hr_bpm: 152, max_hr_bpm: 181,
      hr_zone_durations_s: [41, 298, 802, 1452, 701, 89], score_state: "SCORED",
    });
  });

  it("an unscored workout keeps its sport and times without scores", () => {
    const { score: _score, ...rest } = whoopWorkoutJson;
    const mapped = whoopWorkoutToCanonical(whoopWorkoutSchema.parse({ ...rest, score_state: "PENDING_SCORE" }));
    expect(mapped).toMatchObject({ activity: "running", strain: null, calories_kcal: null, hr_zone_durations_s: null, score_state: "PENDING_SCORE" });
  });
});

describe("granted scopes", () => {
  it("reads space, comma or plus separated scope strings", () => {
    expect([...grantedScopes("read:sleep read:workout")]).toEqual(["read:sleep", "read:workout"]);
    expect([...grantedScopes("personal,daily+workout")]).toEqual(["personal", "daily", "workout"]);
    expect(grantedScopes("").size).toBe(0);
  });
});

describe("simulated activity", () => {
  it("Oura: a daily_sleep per night and workouts, all in Oura's format, the same for a seed", () => {
    const nights = generateOuraHistory({ vendorUserId: "act-user", days: 30, endDate: "2026-05-31", seed: 7 });
    const activity = generateOuraActivity("act-user", nights, { seed: 7 });
    expect(generateOuraActivity("act-user", nights, { seed: 7 })).toEqual(activity);
    expect(activity.dailySleep.map((doc) => doc.day)).toEqual([...new Set(nights.filter((n) => n.type !== "late_nap").map((n) => n.day))].sort());
    for (const doc of activity.dailySleep) expect(ouraDailySleepSchema.safeParse(doc).success).toBe(true);
    expect(activity.workouts.length).toBeGreaterThan(5);
    for (const doc of activity.workouts) expect(ouraWorkoutSchema.safeParse(doc).success).toBe(true);
  });

  it("WHOOP: one cycle per night from its sleep onset to the next, the last one open, dated like the night", () => {
    const history = generateWhoopHistory({ vendorUserId: 4242, days: 30, endDate: "2026-05-31", seed: 7 });
    const { cycles, workouts } = generateWhoopActivity(4242, history, { seed: 7 });
    const nights = history.sleeps.filter((sleep) => !sleep.nap);
    expect(cycles.map((cycle) => cycle.id)).toEqual(nights.map((sleep) => sleep.cycle_id));
    for (const [i, cycle] of cycles.entries()) {
      const parsed = whoopCycleSchema.parse(cycle);
      expect(parsed.start).toBe(nights[i]!.start);
      expect(parsed.end).toBe(i === cycles.length - 1 ? null : nights[i + 1]!.start);
      expect(whoopCycleDate(parsed)).toBe(new Date(Date.parse(nights[i]!.end) - 5 * 3600_000).toISOString().slice(0, 10));
    }
    expect(workouts.length).toBeGreaterThan(5);
    for (const workout of workouts) expect(whoopWorkoutSchema.safeParse(workout).success).toBe(true);
  });
});
