// Canonical rows: what every vendor adapter and phone upload produces and lib/daily-rows.ts stores.
// Field names are the wire names of CONTRACT §4. Kept in lib, below the vendors that produce them and
// the stores that write them (docs/architecture.md); workers/vendors/types.ts re-exports them.

// Sources and vendors are listed once, at the bottom (db/sources.ts).
import type { Source, Vendor } from "../../db/sources";

export type { Source, Vendor };

/** Sleep metrics of one session or one night. Durations in seconds, instants RFC 3339 UTC. */
export interface SleepMetrics {
  total_sleep_s: number | null;
  deep_s: number | null;
  light_s: number | null;
  rem_s: number | null;
  awake_s: number | null;
  efficiency_pct: number | null;
  latency_s: number | null;
  bedtime_start: string;
  bedtime_end: string;
  avg_hrv_ms: number | null;
  lowest_hr_bpm: number | null;
}

/** Below this much sleep a night is short (Oura's boundary between a `sleep` and a `long_sleep`). */
export const SHORT_NIGHT_S = 3 * 3600;

/** One daily sleep row per (user, date, source); `date` is YYYY-MM-DD in the user's calendar. */
export interface SleepDay extends SleepMetrics {
  date: string;
  source: Source;
  /**
   * The night was under 3 h. Oura says so by typing the period `sleep` rather than `long_sleep`;
   * without a flag (WHOOP, phones) `isShortNight` reads it from the total sleep.
   */
  short_night?: boolean;
}

export function isShortNight(day: SleepDay): boolean {
  return day.short_night ?? (day.total_sleep_s !== null && day.total_sleep_s < SHORT_NIGHT_S);
}

/** One daily HRV row per (user, date, source). RMSSD and SDNN are never mixed in one column. */
export interface HrvDay {
  date: string;
  source: Source;
  rmssd_ms: number | null;
  sdnn_ms: number | null;
  resting_hr_bpm: number | null;
}

/**
 * Every vendor sleep record, naps included, keyed by the vendor's object id, so a redelivered or
 * updated record replaces its earlier version instead of adding to it.
 */
export interface SleepSession {
  vendor_object_id: string;
  date: string;
  source: Source;
  /** True for the night that feeds the daily rows; false for naps and secondary periods. */
  is_main: boolean;
  start: string;
  end: string;
  fields: SleepMetrics;
}

/** Vendor scores of one day beside the night (CONTRACT §4 extension, GET /v1/me/signals). */
export interface SignalDay {
  date: string;
  source: Vendor;
  readiness_score: number | null;
  temperature_deviation_c: number | null;
  recovery_score: number | null;
  spo2_pct: number | null;
  skin_temp_c: number | null;
  user_calibrating: boolean | null;
}

// Vendor activity beside the nights (CONTRACT §4 extensions: GET /v1/me/workouts, GET /v1/me/signals).

/** One workout per vendor object; `date` is the local date it started on. Energy is always kcal. */
export interface Workout {
  source: Vendor;
  vendor_object_id: string;
  date: string;
  activity: string;
  start: string;
  end: string;
  calories_kcal: number | null;
  distance_m: number | null;
  /** Oura: easy, moderate or hard. */
  intensity: string | null;
  /** Oura's own `source` of the workout (manual, autodetected, confirmed, workout_heart_rate). */
  recorded_by: string | null;
  label: string | null;
  /** WHOOP strain (0–21). */
  strain: number | null;
  avg_hr_bpm: number | null;
  max_hr_bpm: number | null;
  /** WHOOP: seconds in heart-rate zones 0 to 5. */
  hr_zone_durations_s: number[] | null;
  /** WHOOP's score state (SCORED, PENDING_SCORE, UNSCORABLE); null for Oura. */
  score_state: string | null;
}

/** Oura's daily sleep score of one day, with the contributors Oura gave (each 0–100). */
export interface SleepScoreDay {
  date: string;
  source: "oura";
  sleep_score: number | null;
  contributors: Record<string, number | null> | null;
}

/** WHOOP's physiological cycle as one day's strain, energy and heart rate. */
export interface StrainDay {
  date: string;
  source: "whoop";
  strain: number | null;
  calories_kcal: number | null;
  avg_hr_bpm: number | null;
  max_hr_bpm: number | null;
}
