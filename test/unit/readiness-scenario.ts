// Deterministic synthetic users for the readiness tests: a seeded generator, so every run sees the
// same nights and a failure can be replayed.
import type { DailyReadinessInput, Source } from "../../workers/readiness";

/** mulberry32: a small, fast, seedable uniform generator in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draw (Box–Muller). */
export function normal(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export interface Physiology {
  /** Typical nightly HRV in ms (RMSSD, or SDNN for Apple) and its day-to-day SD in ln units. */
  hrvMs: number;
  hrvLnSd: number;
  restingHrBpm: number;
  restingHrSd: number;
  sleepS: number;
  sleepSdS: number;
  efficiencyPct: number;
  efficiencySd: number;
}

export const TYPICAL_ADULT: Physiology = {
  hrvMs: 55,
  hrvLnSd: 0.12,
  restingHrBpm: 52,
  restingHrSd: 1.5,
  sleepS: 7.5 * 3600,
  sleepSdS: 30 * 60,
  efficiencyPct: 90,
  efficiencySd: 2.5,
};

export interface ScenarioOptions {
  seed: number;
  source: Source;
  start: string;
  days: number;
  physiology?: Physiology;
  /** Apple reports SDNN; everyone else RMSSD. */
  hrvMetric?: "rmssd" | "sdnn";
  /** Probability that a night is missing entirely. */
  missingRate?: number;
  /** Shifts the physiology of chosen nights (index 0 is `start`), e.g. a week of strain. */
  physiologyOn?: (night: number, usual: Physiology) => Physiology;
}

/** One row per night of a user whose physiology varies randomly around `physiology`. */
export function generateUser(options: ScenarioOptions): DailyReadinessInput[] {
  const usual = options.physiology ?? TYPICAL_ADULT;
  const random = seededRandom(options.seed);
  const rows: DailyReadinessInput[] = [];
  for (let i = 0; i < options.days; i++) {
    const p = options.physiologyOn?.(i, usual) ?? usual;
    const hrv = p.hrvMs * Math.exp(p.hrvLnSd * normal(random));
    const row: DailyReadinessInput = {
      date: addDays(options.start, i),
      source: options.source,
      rmssd_ms: options.hrvMetric === "sdnn" ? null : round1(hrv),
      sdnn_ms: options.hrvMetric === "sdnn" ? round1(hrv) : null,
      resting_hr_bpm: Math.round(p.restingHrBpm + p.restingHrSd * normal(random)),
      total_sleep_s: Math.round(p.sleepS + p.sleepSdS * normal(random)),
      efficiency_pct: Math.min(100, Math.round(p.efficiencyPct + p.efficiencySd * normal(random))),
    };
    // Draw every night's values first so that the missing rate does not shift the other nights.
    if (random() >= (options.missingRate ?? 0)) rows.push(row);
  }
  return rows;
}

/** A copy of the rows with `change` applied to the rows dated in [from, to]. */
export function alterNights(
  rows: readonly DailyReadinessInput[],
  from: string,
  to: string,
  change: (row: DailyReadinessInput) => Partial<DailyReadinessInput>,
): DailyReadinessInput[] {
  return rows.map((row) => (row.date >= from && row.date <= to ? { ...row, ...change(row) } : row));
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
