// Apple Health (HealthKit) has no server API: the iOS app reads with anchored queries and uploads.
import type { PhoneSourceProfile } from "./types";

/**
 * HealthKit's only HRV measure is `heartRateVariabilitySDNN`, so Apple uploads are SDNN. The app
 * uploads `restingHeartRate` as `resting_hr` (bpm) and sleep analysis values as stages: inBed →
 * in_bed, asleepUnspecified → asleep_unspecified, awake → awake, asleepCore → light,
 * asleepDeep → deep, asleepREM → rem.
 */
export const appleHealth: PhoneSourceProfile = { source: "apple_health", hrvType: "hrv_sdnn" };
