// Canonical rows for vendor activity beside the nights: workouts, Oura's daily sleep score and
// WHOOP's day strain (CONTRACT §4 extensions: GET /v1/me/workouts, GET /v1/me/signals).
import type { Vendor } from "./types";

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

const KJ_PER_KCAL = 4.184;

/** WHOOP reports energy in kilojoules; the hub stores kilocalories like Oura's `calories`. */
export function kilojoulesToKcal(kilojoule: number | null | undefined): number | null {
  return kilojoule === null || kilojoule === undefined ? null : Math.round((kilojoule / KJ_PER_KCAL) * 10) / 10;
}

/** Splits a stored OAuth scope string ("a b", "a,b" or "a+b") into its scopes. */
export function grantedScopes(scopes: string | null | undefined): Set<string> {
  return new Set((scopes ?? "").split(/[\s,+]+/).filter((scope) => scope !== ""));
}
