// Activity beside the generated nights, in the vendors' formats: Oura `daily_sleep` scores and
// workouts, WHOOP cycles (one per night, from its sleep onset to the next) and workouts. A random
// stream of its own per vendor and user, so the sleep histories of a seed stay what they were.
import { clamp, createRng, formatLocal, HOUR_S, round, toInstantMs, type Rng } from "./nights";
import type { OuraSleepDocument } from "./oura-history";
import type { WhoopHistory, WhoopScoreState } from "./whoop-history";

export type OuraDailySleepDocument = {
  id: string;
  contributors: {
    deep_sleep: number; efficiency: number; latency: number; rem_sleep: number; restfulness: number; timing: number; total_sleep: number;
  };
  day: string;
  score: number | null;
  timestamp: string;
};

export type OuraWorkoutDocument = {
  id: string;
  activity: string;
  calories: number | null;
  day: string;
  distance: number | null;
  end_datetime: string;
  intensity: "easy" | "moderate" | "hard";
  label: string | null;
  source: "manual" | "autodetected" | "confirmed" | "workout_heart_rate";
  start_datetime: string;
};

export type WhoopCycle = {
  id: number;
  user_id: number;
  created_at: string;
  updated_at: string;
  start: string;
  end?: string;
  timezone_offset: string;
  score_state: WhoopScoreState;
  score?: { strain: number; kilojoule: number; average_heart_rate: number; max_heart_rate: number };
};

export type WhoopWorkout = {
  id: string;
  v1_id: number | null;
  user_id: number;
  created_at: string;
  updated_at: string;
  start: string;
  end: string;
  timezone_offset: string;
  sport_name: string;
  score_state: WhoopScoreState;
  score?: {
    strain: number;
    average_heart_rate: number;
    max_heart_rate: number;
    kilojoule: number;
    percent_recorded: number;
    distance_meter?: number;
    altitude_gain_meter?: number;
    altitude_change_meter?: number;
    zone_durations: {
      zone_zero_milli: number; zone_one_milli: number; zone_two_milli: number;
      zone_three_milli: number; zone_four_milli: number; zone_five_milli: number;
    };
  };
};

/** Sports with a distance (metres per minute at an easy pace) and without one. */
const SPORTS: { name: string; metresPerMinute: number | null }[] = [
  { name: "running", metresPerMinute: 170 },
  { name: "cycling", metresPerMinute: 420 },
  { name: "walking", metresPerMinute: 85 },
  { name: "weightlifting", metresPerMinute: null },
  { name: "yoga", metresPerMinute: null },
];

interface Session {
  date: string;
  startWallMs: number;
  minutes: number;
  sport: (typeof SPORTS)[number];
  hard: number;
}

/** About one workout every other day, in the late afternoon or early morning of the person's days. */
function sessions(rng: Rng, dates: readonly string[], probability: number): Session[] {
  return dates.flatMap((date) => {
    if (!rng.chance(probability)) return [];
    const hour = rng.chance(0.3) ? rng.uniform(6, 8) : rng.uniform(16, 19);
    return [{
      date,
      startWallMs: Date.parse(`${date}T00:00:00Z`) + Math.round(hour * HOUR_S) * 1000,
      minutes: rng.int(25, 95),
      sport: SPORTS[rng.int(0, SPORTS.length - 1)]!,
      hard: rng.uniform(0, 1),
    }];
  });
}

export interface ActivityOptions {
  seed: number | string;
  /** Chance of a workout on a day (default 0.5). */
  workoutProbability?: number;
}

/** Oura `daily_sleep` for each day with a night, and workouts on about half the days. */
export function generateOuraActivity(
  vendorUserId: string, nights: readonly OuraSleepDocument[], options: ActivityOptions,
): { dailySleep: OuraDailySleepDocument[]; workouts: OuraWorkoutDocument[] } {
  const rng = createRng(`${options.seed}:oura-activity:${vendorUserId}`);
  const mains = nights.filter((doc) => doc.type === "long_sleep" || doc.type === "sleep");
  const byDay = new Map<string, OuraSleepDocument>();
  for (const doc of mains) if ((byDay.get(doc.day)?.total_sleep_duration ?? -1) < doc.total_sleep_duration) byDay.set(doc.day, doc);
  const dailySleep = [...byDay.values()].map((night) => {
    const hours = night.total_sleep_duration / HOUR_S;
    const contributor = (value: number) => clamp(Math.round(value + rng.normal(0, 5)), 1, 100);
    const contributors = {
      deep_sleep: contributor(60 + 300 * (night.deep_sleep_duration / Math.max(1, night.total_sleep_duration))),
      efficiency: contributor(night.efficiency),
      latency: contributor(100 - night.latency / 60),
      rem_sleep: contributor(55 + 200 * (night.rem_sleep_duration / Math.max(1, night.total_sleep_duration))),
      restfulness: contributor(75),
      timing: contributor(85),
      total_sleep: contributor(hours >= 8 ? 98 : 100 - 15 * (8 - hours)),
    };
    const values = Object.values(contributors);
    return {
      id: rng.uuid(), contributors, day: night.day,
      score: clamp(Math.round(values.reduce((sum, v) => sum + v, 0) / values.length), 1, 100),
      timestamp: `${night.day}T00:00:00.000${night.bedtime_end.slice(-6)}`,
    };
  });
  const offset = mains[0]?.bedtime_end.slice(-6) ?? "+00:00";
  const workouts = sessions(rng, [...byDay.keys()].sort(), options.workoutProbability ?? 0.5).map((s): OuraWorkoutDocument => ({
    id: rng.uuid(),
    activity: s.sport.name,
    calories: Math.round(s.minutes * (5 + 7 * s.hard)),
    day: s.date,
    distance: s.sport.metresPerMinute === null ? null : round(s.minutes * s.sport.metresPerMinute * (0.8 + 0.5 * s.hard), 1),
    end_datetime: formatLocal(s.startWallMs + s.minutes * 60_000, offset),
    intensity: s.hard > 0.7 ? "hard" : s.hard > 0.35 ? "moderate" : "easy",
    label: rng.chance(0.2) ? "with the club" : null,
    source: (["autodetected", "confirmed", "manual", "workout_heart_rate"] as const)[rng.int(0, 3)]!,
    start_datetime: formatLocal(s.startWallMs, offset),
  }));
  return { dailySleep, workouts };
}

function zoneDurations(rng: Rng, totalMs: number, hard: number): NonNullable<WhoopWorkout["score"]>["zone_durations"] {
  const weights = [0.05, 0.2, 0.35 - 0.2 * hard, 0.2 + 0.1 * hard, 0.1 + 0.15 * hard, 0.05 * hard].map((w) => Math.max(0, w * rng.uniform(0.7, 1.3)));
  const total = weights.reduce((sum, w) => sum + w, 0);
  const [zero, one, two, three, four, five] = weights.map((w) => Math.round((totalMs * w) / total));
  return {
    zone_zero_milli: zero!, zone_one_milli: one!, zone_two_milli: two!, zone_three_milli: three!, zone_four_milli: four!, zone_five_milli: five!,
  };
}

/**
 * One cycle per night of the history, from its first sleep's start to the next night's (the last one
 * still open: no end, strain so far), and workouts on about half the days.
 */
export function generateWhoopActivity(
  whoopUserId: number, history: WhoopHistory, options: ActivityOptions,
): { cycles: WhoopCycle[]; workouts: WhoopWorkout[] } {
  const rng = createRng(`${options.seed}:whoop-activity:${whoopUserId}`);
  const starts = new Map<number, WhoopHistory["sleeps"][number]>();
  for (const sleep of history.sleeps) {
    if (sleep.nap) continue;
    const known = starts.get(sleep.cycle_id);
    if (!known || Date.parse(sleep.start) < Date.parse(known.start)) starts.set(sleep.cycle_id, sleep);
  }
  const ordered = [...starts.values()].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  const cycles = ordered.map((sleep, index): WhoopCycle => {
    const next = ordered[index + 1];
    const strain = round(clamp(rng.normal(11, 3.5), 2, 20.5), 6);
    const cycle: WhoopCycle = {
      id: sleep.cycle_id, user_id: whoopUserId, created_at: sleep.created_at, updated_at: next?.created_at ?? sleep.updated_at,
      start: sleep.start, timezone_offset: sleep.timezone_offset, score_state: "SCORED",
      score: { strain, kilojoule: round(7000 + 450 * strain + rng.normal(0, 400), 3), average_heart_rate: rng.int(58, 74), max_heart_rate: rng.int(140, 188) },
    };
    if (next) cycle.end = next.start;
    return cycle;
  });
  const offset = ordered[0]?.timezone_offset ?? "Z";
  // The wake-up dates: each night's end on its own wall clock.
  const dates = ordered.map((sleep) => new Date(Date.parse(sleep.end) - toInstantMs(0, sleep.timezone_offset)).toISOString().slice(0, 10));
  const workouts = sessions(rng, dates, options.workoutProbability ?? 0.5).map((s): WhoopWorkout => {
    const startMs = toInstantMs(s.startWallMs, offset) + rng.int(0, 999);
    const endMs = startMs + s.minutes * 60_000;
    const recordedAt = new Date(endMs + rng.int(1, 15) * 60_000).toISOString();
    const score: NonNullable<WhoopWorkout["score"]> = {
      strain: round(clamp(6 + 10 * s.hard + rng.normal(0, 1.5), 0.5, 20.5), 4),
      average_heart_rate: Math.round(110 + 45 * s.hard), max_heart_rate: Math.round(140 + 45 * s.hard),
      kilojoule: round(s.minutes * (25 + 30 * s.hard), 3), percent_recorded: 100,
      zone_durations: zoneDurations(rng, endMs - startMs, s.hard),
    };
    if (s.sport.metresPerMinute !== null) {
      score.distance_meter = round(s.minutes * s.sport.metresPerMinute * (0.8 + 0.5 * s.hard), 3);
      score.altitude_gain_meter = round(rng.uniform(5, 120), 3);
      score.altitude_change_meter = round(rng.normal(0, 3), 3);
    }
    return {
      id: rng.uuid(), v1_id: null, user_id: whoopUserId, created_at: recordedAt, updated_at: recordedAt,
      start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString(), timezone_offset: offset,
      sport_name: s.sport.name, score_state: "SCORED", score,
    };
  });
  return { cycles, workouts };
}
