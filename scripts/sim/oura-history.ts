// Oura API v2 `sleep` documents generated from seeded nights.
import {
  addDays,
  checkedDate,
  checkedDays,
  checkedOffset,
  clamp,
  createPerson,
  createRng,
  EPOCH_S,
  formatLocal,
  HOUR_S,
  mean,
  round,
  roundTo,
  simulateNights,
  splitStages,
  type HistoryOptions,
  type Night,
  type Person,
  type Rng,
  type StageSplit,
} from "./nights";

export type OuraSleepType = "long_sleep" | "sleep" | "late_nap" | "rest" | "deleted";

export type OuraSeries = { interval: number; items: (number | null)[]; timestamp: string };

export type OuraSleepDocument = {
  id: string;
  average_breath: number;
  average_heart_rate: number;
  average_hrv: number | null;
  awake_time: number;
  bedtime_end: string;
  bedtime_start: string;
  day: string;
  deep_sleep_duration: number;
  efficiency: number;
  heart_rate: OuraSeries | null;
  hrv: OuraSeries | null;
  latency: number;
  light_sleep_duration: number;
  low_battery_alert: boolean;
  lowest_heart_rate: number;
  movement_30_sec: string;
  period: number;
  readiness: {
    contributors: Record<string, number>;
    score: number;
    temperature_deviation: number;
    temperature_trend_deviation: number;
  } | null;
  readiness_score_delta: number | null;
  rem_sleep_duration: number;
  restless_periods: number;
  sleep_algorithm_version: string;
  sleep_phase_5_min: string;
  sleep_score_delta: number | null;
  time_in_bed: number;
  total_sleep_duration: number;
  type: OuraSleepType;
};


/**
 * One night per date (a `long_sleep`, or a `sleep` when it was under 3 h) plus occasional naps, a
 * nap after 6 pm being a `late_nap` filed under the next day as Oura does; sorted by `bedtime_start`.
 */
export function generateOuraHistory(options: HistoryOptions<string>): OuraSleepDocument[] {
  const rng = createRng(`${options.seed}:oura:${options.vendorUserId}`);
  const person = createPerson(rng);
  const offset = checkedOffset(options.utcOffset ?? "+02:00");
  const endDate = checkedDate(options.endDate);
  const documents: OuraSleepDocument[] = [];
  for (const night of simulateNights(rng, person, checkedDays(options.days), endDate, options.shortNightProbability)) {
    documents.push(ouraNight(rng, person, night, offset));
    // The last evening takes no late nap: it would belong to a day after the history.
    if (rng.chance(options.napProbability ?? 0.12)) documents.push(ouraNap(rng, night, offset, night.date < endDate));
  }
  return documents;
}

function ouraNight(rng: Rng, person: Person, night: Night, offset: string): OuraSleepDocument {
  const split = splitStages(night.timeInBedS, night.efficiencyPct, night.deepFraction, night.remFraction);
  const start = formatLocal(night.bedStartWallMs, offset);
  const slots = Math.ceil(night.timeInBedS / 300);
  const heartRate = heartRateSeries(rng, start, slots, night.lowestHr);
  const hrvItems = Array.from({ length: slots }, () => Math.round(night.hrvMs * Math.exp(rng.normal(0, 0.2))));
  const readinessScore = clamp(
    Math.round(75 + 60 * Math.log(night.hrvMs / person.hrvMeanMs) - (night.strained ? 8 : 0) + rng.normal(0, 4)),
    30,
    99,
  );
  return {
    id: rng.uuid(),
    average_breath: round(rng.normal(14.5, 0.8), 3),
    average_heart_rate: round(mean(heartRate.items), 3),
    average_hrv: clamp(Math.round(mean(hrvItems)), 30, 90),
    awake_time: split.awakeS,
    bedtime_end: formatLocal(night.bedStartWallMs + night.timeInBedS * 1000, offset),
    bedtime_start: start,
    day: night.date,
    deep_sleep_duration: split.deepS,
    efficiency: Math.round((100 * split.totalS) / night.timeInBedS),
    heart_rate: heartRate,
    hrv: { interval: 300, items: hrvItems, timestamp: start },
    latency: Math.min(night.latencyS, roundTo(split.awakeS * 0.6, EPOCH_S)),
    light_sleep_duration: split.lightS,
    low_battery_alert: false,
    lowest_heart_rate: night.lowestHr,
    movement_30_sec: movementString(rng, night.timeInBedS / EPOCH_S),
    period: 0,
    readiness: {
      contributors: {
        activity_balance: rng.int(60, 95),
        body_temperature: rng.int(80, 100),
        hrv_balance: clamp(readinessScore + rng.int(-10, 10), 1, 100),
        previous_day_activity: rng.int(55, 95),
        previous_night: clamp(night.efficiencyPct + rng.int(-5, 5), 1, 100),
        recovery_index: rng.int(50, 100),
        resting_heart_rate: clamp(100 - 3 * (night.lowestHr - Math.round(person.restingHrMean)), 1, 100),
        sleep_balance: rng.int(60, 95),
      },
      score: readinessScore,
      temperature_deviation: round(rng.normal(night.strained ? 0.3 : 0, 0.15), 2),
      temperature_trend_deviation: round(rng.normal(0, 0.1), 2),
    },
    readiness_score_delta: null,
    rem_sleep_duration: split.remS,
    restless_periods: rng.int(80, 320),
    sleep_algorithm_version: "v2",
    sleep_phase_5_min: sleepPhases(rng, slots, split, night.latencyS),
    sleep_score_delta: null,
    time_in_bed: night.timeInBedS,
    total_sleep_duration: split.totalS,
    type: night.timeInBedS > 3 * HOUR_S ? "long_sleep" : "sleep",
  };
}

function ouraNap(rng: Rng, night: Night, offset: string, lateAllowed: boolean): OuraSleepDocument {
  const startWallMs = Date.parse(`${night.date}T00:00:00Z`) + rng.uniform(13, lateAllowed ? 19 : 17.9) * HOUR_S * 1000;
  const late = startWallMs >= Date.parse(`${night.date}T18:00:00Z`);
  const timeInBedS = roundTo(rng.uniform(20, 60) * 60, EPOCH_S);
  const split = splitStages(timeInBedS, rng.int(70, 90), 0.1, 0.05);
  const start = formatLocal(startWallMs, offset);
  const slots = Math.ceil(timeInBedS / 300);
  const heartRate = heartRateSeries(rng, start, slots, night.lowestHr + rng.int(4, 8));
  // Short naps often have no usable HRV reading.
  const averageHrv = rng.chance(0.3) ? null : Math.round(night.hrvMs * 0.9);
  return {
    id: rng.uuid(),
    average_breath: round(rng.normal(15, 0.8), 3),
    average_heart_rate: round(mean(heartRate.items), 3),
    average_hrv: averageHrv,
    awake_time: split.awakeS,
    bedtime_end: formatLocal(startWallMs + timeInBedS * 1000, offset),
    bedtime_start: start,
    day: late ? addDays(night.date, 1) : night.date,
    deep_sleep_duration: split.deepS,
    efficiency: Math.round((100 * split.totalS) / timeInBedS),
    heart_rate: heartRate,
    hrv: averageHrv === null ? null : { interval: 300, items: Array(slots).fill(averageHrv), timestamp: start },
    latency: Math.min(roundTo(rng.uniform(2, 10) * 60, EPOCH_S), split.awakeS),
    light_sleep_duration: split.lightS,
    low_battery_alert: false,
    lowest_heart_rate: Math.min(...heartRate.items.filter((item): item is number => item !== null)),
    movement_30_sec: movementString(rng, timeInBedS / EPOCH_S),
    period: 1,
    readiness: null,
    readiness_score_delta: null,
    rem_sleep_duration: split.remS,
    restless_periods: rng.int(5, 40),
    sleep_algorithm_version: "v2",
    sleep_phase_5_min: sleepPhases(rng, slots, split, 0),
    sleep_score_delta: null,
    time_in_bed: timeInBedS,
    total_sleep_duration: split.totalS,
    type: late ? "late_nap" : "sleep",
  };
}

function heartRateSeries(rng: Rng, timestamp: string, slots: number, lowest: number): OuraSeries {
  const items = Array.from({ length: slots }, () => lowest + Math.round(Math.abs(rng.normal(4, 3))));
  // The lowest reading of the night falls in its second half, as it usually does.
  items[Math.floor(slots * 0.6)] = lowest;
  return { interval: 300, items, timestamp };
}

/** Oura's hypnogram: 1 deep, 2 light, 3 REM, 4 awake, one digit per 5 minutes. */
function sleepPhases(rng: Rng, slots: number, split: StageSplit, latencyS: number): string {
  const phases = Array<string>(slots).fill("2");
  const latencySlots = Math.min(slots, Math.round(latencyS / 300));
  phases.fill("4", 0, latencySlots);
  // Deep sleep dominates the early cycles and REM the late ones.
  scatter(rng, phases, "1", Math.round(split.deepS / 300), latencySlots, Math.floor(slots * 0.6));
  scatter(rng, phases, "3", Math.round(split.remS / 300), Math.floor(slots * 0.35), slots);
  scatter(rng, phases, "4", Math.round(split.awakeS / 300) - latencySlots, latencySlots, slots);
  return phases.join("");
}

function scatter(rng: Rng, phases: string[], phase: string, count: number, from: number, to: number): void {
  for (let placed = 0, attempts = 0; placed < count && attempts < count * 8 && to > from; attempts++) {
    const index = rng.int(from, to - 1);
    if (phases[index] !== "2") continue;
    phases[index] = phase;
    placed++;
  }
}

function movementString(rng: Rng, epochs: number): string {
  return Array.from({ length: epochs }, () => {
    const roll = rng.next();
    return roll < 0.9 ? "1" : roll < 0.98 ? "2" : "3";
  }).join("");
}
