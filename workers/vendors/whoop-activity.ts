// WHOOP API v2 cycles (day strain) and workouts: documents, canonical mapping and API reads. Cycles
// have no webhook: the hub reads the cycle a sleep or recovery names, and lists cycles when it syncs.
import { z } from "zod";
import { dateAtOffset, isUtcOffset, toUtcIso } from "../lib/calendar";
import { kilojoulesToKcal, type StrainDay, type Workout } from "./activity";
import type { VendorApi } from "./types";
import { collectionOf, listWhoop, whoopGet } from "./whoop";

const scoreState = z.enum(["SCORED", "PENDING_SCORE", "UNSCORABLE"]);
const offset = z.string().refine(isUtcOffset, "expected +hh:mm, -hh:mm or Z");
const bpm = z.number().nonnegative().max(300);
const optional = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? null);

export const whoopCycleSchema = z.object({
  id: z.number().int(),
  user_id: z.number().int(),
  start: z.iso.datetime({ offset: true }),
  // The cycle in progress has no end yet (and its strain still grows).
  end: optional(z.iso.datetime({ offset: true })),
  timezone_offset: offset,
  score_state: scoreState,
  score: optional(z.object({
    strain: z.number().min(0).max(21),
    kilojoule: z.number().nonnegative(),
    average_heart_rate: bpm,
    max_heart_rate: bpm,
  })),
});
export type WhoopCycle = z.output<typeof whoopCycleSchema>;

const zoneMillis = z.number().int().nonnegative();
export const whoopWorkoutSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
  user_id: z.number().int(),
  start: z.iso.datetime({ offset: true }),
  end: z.iso.datetime({ offset: true }),
  timezone_offset: offset,
  sport_name: z.string().min(1).max(100),
  score_state: scoreState,
  score: optional(z.object({
    strain: z.number().min(0).max(21),
    average_heart_rate: bpm,
    max_heart_rate: bpm,
    kilojoule: z.number().nonnegative(),
    distance_meter: optional(z.number().nonnegative()),
    zone_durations: optional(z.object({
      zone_zero_milli: zoneMillis, zone_one_milli: zoneMillis, zone_two_milli: zoneMillis,
      zone_three_milli: zoneMillis, zone_four_milli: zoneMillis, zone_five_milli: zoneMillis,
    })),
  })),
});
export type WhoopWorkout = z.output<typeof whoopWorkoutSchema>;

const CYCLE_DAY_CHANGE_MS = 6 * 3600_000;

/**
 * The date a cycle's strain belongs to. A cycle runs from one sleep onset to the next, so most of it
 * is the day after an evening start: its start on the clock of its own `timezone_offset`, moved to
 * the next day from 6 pm on (Oura's day change), dates it like the night it starts with ends.
 */
export function whoopCycleDate(cycle: WhoopCycle): string {
  return dateAtOffset(new Date(Date.parse(cycle.start) + CYCLE_DAY_CHANGE_MS).toISOString(), cycle.timezone_offset);
}

/** The day's strain, energy and heart rate; null until WHOOP has scored the cycle. */
export function whoopCycleToStrain(cycle: WhoopCycle): StrainDay | null {
  if (cycle.score_state !== "SCORED" || !cycle.score) return null;
  return {
    date: whoopCycleDate(cycle), source: "whoop", strain: cycle.score.strain, calories_kcal: kilojoulesToKcal(cycle.score.kilojoule),
    avg_hr_bpm: cycle.score.average_heart_rate, max_hr_bpm: cycle.score.max_heart_rate,
  };
}

const ZONES = ["zone_zero_milli", "zone_one_milli", "zone_two_milli", "zone_three_milli", "zone_four_milli", "zone_five_milli"] as const;

/** A workout is dated by its start on the clock of its own `timezone_offset`. */
export function whoopWorkoutToCanonical(workout: WhoopWorkout): Workout {
  const score = workout.score_state === "SCORED" ? workout.score : null;
  const zones = score?.zone_durations;
  return {
    source: "whoop", vendor_object_id: workout.id, date: dateAtOffset(workout.start, workout.timezone_offset),
    activity: workout.sport_name, start: toUtcIso(workout.start), end: toUtcIso(workout.end),
    calories_kcal: kilojoulesToKcal(score?.kilojoule), distance_m: score?.distance_meter ?? null,
    intensity: null, recorded_by: null, label: null,
    strain: score?.strain ?? null, avg_hr_bpm: score?.average_heart_rate ?? null, max_hr_bpm: score?.max_heart_rate ?? null,
    hr_zone_durations_s: zones ? ZONES.map((zone) => Math.round(zones[zone] / 1000)) : null,
    score_state: workout.score_state,
  };
}

// ---- API reads ---------------------------------------------------------------------------------

export function fetchWhoopCycle(api: VendorApi, cycleId: number): Promise<WhoopCycle> {
  return whoopGet(api, "cycle", `/v2/cycle/${encodeURIComponent(String(cycleId))}`, whoopCycleSchema);
}

export function fetchWhoopWorkout(api: VendorApi, id: string): Promise<WhoopWorkout> {
  return whoopGet(api, "workout", `/v2/activity/workout/${encodeURIComponent(id)}`, whoopWorkoutSchema);
}

/** `start`/`end` are RFC 3339 instants, matched by WHOOP against each record's start. */
export function listWhoopCycles(api: VendorApi, start: string, end: string): Promise<WhoopCycle[]> {
  return listWhoop(api, "/v2/cycle", "cycle list", collectionOf(whoopCycleSchema), start, end);
}

export function listWhoopWorkouts(api: VendorApi, start: string, end: string): Promise<WhoopWorkout[]> {
  return listWhoop(api, "/v2/activity/workout", "workout list", collectionOf(whoopWorkoutSchema), start, end);
}
