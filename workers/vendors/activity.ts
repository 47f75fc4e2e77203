// Canonical rows for vendor activity beside the nights: workouts, Oura's daily sleep score and
// WHOOP's day strain (CONTRACT §4 extensions: GET /v1/me/workouts, GET /v1/me/signals).
// The row types live with the other canonical rows (lib/ writes them and imports nothing above it).
export type { SleepScoreDay, StrainDay, Workout } from "../lib/canonical-rows";

const KJ_PER_KCAL = 4.184;

/** WHOOP reports energy in kilojoules; the hub stores kilocalories like Oura's `calories`. */
export function kilojoulesToKcal(kilojoule: number | null | undefined): number | null {
  return kilojoule === null || kilojoule === undefined ? null : Math.round((kilojoule / KJ_PER_KCAL) * 10) / 10;
}

/** Splits a stored OAuth scope string ("a b", "a,b" or "a+b") into its scopes. */
export function grantedScopes(scopes: string | null | undefined): Set<string> {
  return new Set((scopes ?? "").split(/[\s,+]+/).filter((scope) => scope !== ""));
}
