// Oura API v2 documents beside the sleep periods: `daily_sleep` (the day's sleep score) and `workout`,
// their canonical mapping and their API reads.
import { z } from "zod";
import { toUtcIso } from "../lib/calendar";
import type { SleepScoreDay, Workout } from "./activity";
import { collectPages } from "./http";
import { ouraGet } from "./oura";
import type { VendorApi } from "./types";

const nullable = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? null);

export const ouraDailySleepSchema = z.object({
  id: z.string().min(1),
  day: z.iso.date(),
  score: nullable(z.number().int().min(0).max(100)),
  // Oura documents deep_sleep, efficiency, latency, rem_sleep, restfulness, timing and total_sleep
  // (each 0–100, possibly null); any it adds later are kept too.
  contributors: nullable(z.record(z.string().regex(/^[a-z_]{1,40}$/), z.number().min(0).max(100).nullable())),
});
export type OuraDailySleep = z.output<typeof ouraDailySleepSchema>;

export const ouraWorkoutSchema = z.object({
  id: z.string().min(1),
  day: z.iso.date(),
  activity: z.string().min(1).max(100),
  start_datetime: z.iso.datetime({ offset: true }),
  end_datetime: z.iso.datetime({ offset: true }),
  calories: nullable(z.number().nonnegative()),
  distance: nullable(z.number().nonnegative()),
  // easy | moderate | hard and manual | autodetected | confirmed | workout_heart_rate today; Oura adds
  // values from time to time, so any short string is kept rather than the workout refused.
  intensity: nullable(z.string().max(40)),
  source: nullable(z.string().max(40)),
  label: nullable(z.string().max(200)),
});
export type OuraWorkout = z.output<typeof ouraWorkoutSchema>;

const pageOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), next_token: z.string().nullish() });

export function ouraDailySleepToCanonical(doc: OuraDailySleep): SleepScoreDay {
  return { date: doc.day, source: "oura", sleep_score: doc.score, contributors: doc.contributors };
}

export function ouraWorkoutToCanonical(doc: OuraWorkout): Workout {
  return {
    source: "oura", vendor_object_id: doc.id, date: doc.day, activity: doc.activity,
    start: toUtcIso(doc.start_datetime), end: toUtcIso(doc.end_datetime),
    calories_kcal: doc.calories, distance_m: doc.distance, intensity: doc.intensity, recorded_by: doc.source, label: doc.label,
    strain: null, avg_hr_bpm: null, max_hr_bpm: null, hr_zone_durations_s: null, score_state: null,
  };
}

// ---- API reads ---------------------------------------------------------------------------------

export interface OuraCollection<S extends z.ZodType> {
  /** Oura's data type, the path segment under /v2/usercollection/. */
  dataType: "daily_sleep" | "workout";
  schema: S;
}

export const OURA_DAILY_SLEEP = { dataType: "daily_sleep", schema: ouraDailySleepSchema } as const satisfies OuraCollection<typeof ouraDailySleepSchema>;
export const OURA_WORKOUT = { dataType: "workout", schema: ouraWorkoutSchema } as const satisfies OuraCollection<typeof ouraWorkoutSchema>;

export function fetchOuraDocument<S extends z.ZodType>(collection: OuraCollection<S>, api: VendorApi, id: string): Promise<z.output<S>> {
  return ouraGet(api, `${collection.dataType} document`, `/v2/usercollection/${collection.dataType}/${encodeURIComponent(id)}`, collection.schema);
}

/** Every document whose `day` lies in the range, following `next_token` to the last page. */
export function listOuraDocuments<S extends z.ZodType>(collection: OuraCollection<S>, api: VendorApi, startDate: string, endDate: string): Promise<z.output<S>[]> {
  const resource = `${collection.dataType} list`;
  return collectPages("oura", resource, async (nextToken) => {
    const query = { start_date: startDate, end_date: endDate, next_token: nextToken };
    const page = await ouraGet(api, resource, `/v2/usercollection/${collection.dataType}`, pageOf(collection.schema), query);
    return { items: page.data as z.output<S>[], nextToken: page.next_token };
  });
}
