// WHOOP API v2 sleeps and recoveries generated from seeded nights.
import {
  checkedDate,
  checkedDays,
  checkedOffset,
  clamp,
  createPerson,
  createRng,
  HOUR_S,
  round,
  simulateNights,
  splitStages,
  toInstantMs,
  type HistoryOptions,
  type Night,
  type Person,
  type Rng,
} from "./nights";

export type WhoopScoreState = "SCORED" | "PENDING_SCORE" | "UNSCORABLE";

export type WhoopSleep = {
  id: string;
  cycle_id: number;
  v1_id: number | null;
  user_id: number;
  created_at: string;
  updated_at: string;
  start: string;
  end: string;
  timezone_offset: string;
  nap: boolean;
  score_state: WhoopScoreState;
  score?: {
    stage_summary: {
      total_in_bed_time_milli: number;
      total_awake_time_milli: number;
      total_no_data_time_milli: number;
      total_light_sleep_time_milli: number;
      total_slow_wave_sleep_time_milli: number;
      total_rem_sleep_time_milli: number;
      sleep_cycle_count: number;
      disturbance_count: number;
    };
    sleep_needed: {
      baseline_milli: number;
      need_from_sleep_debt_milli: number;
      need_from_recent_strain_milli: number;
      need_from_recent_nap_milli: number;
    };
    respiratory_rate: number;
    sleep_performance_percentage: number;
    sleep_consistency_percentage: number;
    sleep_efficiency_percentage: number;
  };
};

export type WhoopRecovery = {
  cycle_id: number;
  sleep_id: string;
  user_id: number;
  created_at: string;
  updated_at: string;
  score_state: WhoopScoreState;
  score?: {
    user_calibrating: boolean;
    recovery_score: number;
    resting_heart_rate: number;
    hrv_rmssd_milli: number;
    spo2_percentage: number;
    skin_temp_celsius: number;
  };
};

export interface WhoopHistory {
  sleeps: WhoopSleep[];
  recoveries: WhoopRecovery[];
}

/**
 * One scored sleep and recovery per night (cycle), plus occasional naps, sorted by `start`. A split
 * night is two sleeps of one cycle (both `nap: false`) around a wake; its recovery names the second.
 */
export function generateWhoopHistory(options: HistoryOptions<number>): WhoopHistory {
  const rng = createRng(`${options.seed}:whoop:${options.vendorUserId}`);
  const person = createPerson(rng);
  const offset = checkedOffset(options.utcOffset ?? "-05:00");
  const firstCycleId = rng.int(100_000, 900_000);
  const firstV1Id = rng.int(10_000_000, 90_000_000);
  const history: WhoopHistory = { sleeps: [], recoveries: [] };
  const nights = simulateNights(rng, person, checkedDays(options.days), checkedDate(options.endDate), options.shortNightProbability);
  const splitProbability = options.splitNightProbability ?? 0;
  for (const [index, night] of nights.entries()) {
    const sleep = whoopSleep(rng, night, {
      userId: options.vendorUserId,
      cycleId: firstCycleId + index,
      v1Id: firstV1Id + 2 * index,
      offset,
    });
    // Drawn only when asked for, so histories without split nights stay what they were for a seed.
    const segments = splitProbability > 0 && rng.chance(splitProbability) ? splitSleep(rng, sleep) : [sleep];
    history.sleeps.push(...segments);
    history.recoveries.push(whoopRecovery(rng, person, night, segments.at(-1)!));
    if (rng.chance(options.napProbability ?? 0.12)) {
      history.sleeps.push(whoopNap(rng, night, { ...sleep, v1_id: firstV1Id + 2 * index + 1 }));
    }
  }
  return history;
}

interface WhoopIds {
  userId: number;
  cycleId: number;
  v1Id: number;
  offset: string;
}

function whoopSleep(rng: Rng, night: Night, ids: WhoopIds): WhoopSleep {
  const split = splitStages(night.timeInBedS, night.efficiencyPct, night.deepFraction, night.remFraction);
  const startMs = toInstantMs(night.bedStartWallMs, ids.offset) + rng.int(0, 999);
  const endMs = startMs + night.timeInBedS * 1000;
  const light = split.lightS * 1000 + rng.int(0, 999);
  const slowWave = split.deepS * 1000 + rng.int(0, 999);
  const rem = split.remS * 1000 + rng.int(0, 999);
  const inBed = endMs - startMs;
  const recordedAt = new Date(endMs + rng.int(2, 20) * 60_000).toISOString();
  return {
    id: rng.uuid(),
    cycle_id: ids.cycleId,
    v1_id: ids.v1Id,
    user_id: ids.userId,
    created_at: recordedAt,
    updated_at: recordedAt,
    start: new Date(startMs).toISOString(),
    end: new Date(endMs).toISOString(),
    timezone_offset: ids.offset,
    nap: false,
    score_state: "SCORED",
    score: {
      stage_summary: {
        total_in_bed_time_milli: inBed,
        total_awake_time_milli: inBed - light - slowWave - rem,
        total_no_data_time_milli: 0,
        total_light_sleep_time_milli: light,
        total_slow_wave_sleep_time_milli: slowWave,
        total_rem_sleep_time_milli: rem,
        sleep_cycle_count: rng.int(3, 6),
        disturbance_count: rng.int(5, 20),
      },
      sleep_needed: {
        baseline_milli: rng.int(26_000_000, 29_000_000),
        need_from_sleep_debt_milli: rng.int(0, 2_500_000),
        need_from_recent_strain_milli: rng.int(0, 1_500_000),
        need_from_recent_nap_milli: 0,
      },
      respiratory_rate: round(rng.normal(15, 0.8), 6),
      sleep_performance_percentage: clamp(Math.round(rng.normal(night.strained ? 70 : 86, 8)), 30, 100),
      sleep_consistency_percentage: clamp(Math.round(rng.normal(78, 10)), 30, 100),
      sleep_efficiency_percentage: round((100 * (light + slowWave + rem)) / inBed, 5),
    },
  };
}

/** The sleep cut in two by a 20–60 minute wake after 40–60% of it; stage times split in proportion. */
function splitSleep(rng: Rng, sleep: WhoopSleep): [WhoopSleep, WhoopSleep] {
  const startMs = Date.parse(sleep.start);
  const endMs = Date.parse(sleep.end);
  const cutMs = Math.round(startMs + (endMs - startMs) * rng.uniform(0.4, 0.6));
  const resumeMs = Math.min(endMs - 30 * 60_000, cutMs + Math.round(rng.uniform(20, 60) * 60_000));
  const part = (fromMs: number, toMs: number, id: string): WhoopSleep => {
    const share = (toMs - fromMs) / (endMs - startMs);
    const stages = sleep.score!.stage_summary;
    const scaled = (ms: number) => Math.round(ms * share);
    const light = scaled(stages.total_light_sleep_time_milli);
    const slowWave = scaled(stages.total_slow_wave_sleep_time_milli);
    const rem = scaled(stages.total_rem_sleep_time_milli);
    const inBed = toMs - fromMs;
    return {
      ...sleep,
      id,
      start: new Date(fromMs).toISOString(),
      end: new Date(toMs).toISOString(),
      score: {
        ...sleep.score!,
        stage_summary: {
          ...stages,
          total_in_bed_time_milli: inBed,
          total_awake_time_milli: Math.max(0, inBed - light - slowWave - rem),
          total_light_sleep_time_milli: light,
          total_slow_wave_sleep_time_milli: slowWave,
          total_rem_sleep_time_milli: rem,
        },
        sleep_efficiency_percentage: round((100 * Math.min(inBed, light + slowWave + rem)) / inBed, 5),
      },
    };
  };
  return [part(startMs, cutMs, sleep.id), part(resumeMs, endMs, rng.uuid())];
}

function whoopNap(rng: Rng, night: Night, mainSleep: WhoopSleep): WhoopSleep {
  const startWallMs = Date.parse(`${night.date}T00:00:00Z`) + rng.uniform(13, 18) * HOUR_S * 1000;
  const startMs = toInstantMs(startWallMs, mainSleep.timezone_offset);
  const inBed = Math.round(rng.uniform(20, 60) * 60_000);
  const light = Math.round(inBed * rng.uniform(0.6, 0.8));
  const slowWave = Math.round(inBed * rng.uniform(0.05, 0.15));
  const recordedAt = new Date(startMs + inBed + 5 * 60_000).toISOString();
  return {
    ...mainSleep,
    id: rng.uuid(),
    created_at: recordedAt,
    updated_at: recordedAt,
    start: new Date(startMs).toISOString(),
    end: new Date(startMs + inBed).toISOString(),
    nap: true,
    score: mainSleep.score && {
      ...mainSleep.score,
      stage_summary: {
        total_in_bed_time_milli: inBed,
        total_awake_time_milli: inBed - light - slowWave,
        total_no_data_time_milli: 0,
        total_light_sleep_time_milli: light,
        total_slow_wave_sleep_time_milli: slowWave,
        total_rem_sleep_time_milli: 0,
        sleep_cycle_count: 1,
        disturbance_count: rng.int(0, 3),
      },
      sleep_efficiency_percentage: round((100 * (light + slowWave)) / inBed, 5),
    },
  };
}

function whoopRecovery(rng: Rng, person: Person, night: Night, sleep: WhoopSleep): WhoopRecovery {
  const recoveryScore = clamp(
    Math.round(60 + 110 * Math.log(night.hrvMs / person.hrvMeanMs) - (night.strained ? 10 : 0) + rng.normal(0, 6)),
    1,
    99,
  );
  return {
    cycle_id: sleep.cycle_id,
    sleep_id: sleep.id,
    user_id: sleep.user_id,
    created_at: sleep.created_at,
    updated_at: sleep.updated_at,
    score_state: "SCORED",
    score: {
      user_calibrating: false,
      recovery_score: recoveryScore,
      resting_heart_rate: night.lowestHr + rng.int(0, 3),
      hrv_rmssd_milli: round(night.hrvMs, 4),
      spo2_percentage: round(rng.uniform(94.5, 98.5), 4),
      skin_temp_celsius: round(rng.normal(33.7, 0.3) + (night.strained ? 0.4 : 0), 4),
    },
  };
}
