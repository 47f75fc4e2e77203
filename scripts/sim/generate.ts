// Deterministic, seeded sleep and recovery histories in the vendors' own formats (Oura v2, WHOOP v2)
// and as canonical daily rows. The same seed always gives the same documents, ids included.
import { generateOuraHistory } from "./oura-history";

export { addDays, createRng, type HistoryOptions, type Rng } from "./nights";
export { generateOuraHistory, type OuraSeries, type OuraSleepDocument, type OuraSleepType } from "./oura-history";
export {
  generateOuraActivity,
  generateWhoopActivity,
  type OuraDailySleepDocument,
  type OuraWorkoutDocument,
  type WhoopCycle,
  type WhoopWorkout,
} from "./activity-history";
export {
  generateWhoopHistory,
  type WhoopHistory,
  type WhoopRecovery,
  type WhoopScoreState,
  type WhoopSleep,
} from "./whoop-history";

// Canonical daily rows (CONTRACT §4 mapping of Oura's main `long_sleep`), for seeding a demo user.

export interface DemoDay {
  date: string;
  source: "oura";
  rmssd_ms: number;
  resting_hr_bpm: number;
  total_sleep_s: number;
  deep_s: number;
  light_s: number;
  rem_s: number;
  awake_s: number;
  efficiency_pct: number;
  latency_s: number;
  bedtime_start: string;
  bedtime_end: string;
  avg_hrv_ms: number;
  lowest_hr_bpm: number;
}

export function generateDemoDays(days: number, endDate: string, seed: number | string): DemoDay[] {
  return generateOuraHistory({ vendorUserId: "demo", days, endDate, seed })
    .filter((document) => document.type === "long_sleep")
    .map((document) => {
      const hrv = document.average_hrv ?? 0;
      return {
        date: document.day,
        source: "oura",
        rmssd_ms: hrv,
        resting_hr_bpm: document.lowest_heart_rate,
        total_sleep_s: document.total_sleep_duration,
        deep_s: document.deep_sleep_duration,
        light_s: document.light_sleep_duration,
        rem_s: document.rem_sleep_duration,
        awake_s: document.awake_time,
        efficiency_pct: document.efficiency,
        latency_s: document.latency,
        bedtime_start: new Date(document.bedtime_start).toISOString(),
        bedtime_end: new Date(document.bedtime_end).toISOString(),
        avg_hrv_ms: hrv,
        lowest_hr_bpm: document.lowest_heart_rate,
      };
    });
}
