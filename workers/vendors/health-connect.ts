// Health Connect (Android) has no server API: the app reads its records and uploads them.
import type { PhoneSourceProfile } from "./types";

/**
 * `HeartRateVariabilityRmssdRecord` is RMSSD (ms), `RestingHeartRateRecord` uploads as
 * `resting_hr` (bpm). A `SleepSessionRecord` uploads its own span as `in_bed` and its stages as:
 * awake and awake-in-bed → awake, sleeping → asleep_unspecified, light → light, deep → deep,
 * REM → rem; out-of-bed and unknown stages are not uploaded.
 */
export const healthConnect: PhoneSourceProfile = { source: "health_connect", hrvType: "hrv_rmssd" };
