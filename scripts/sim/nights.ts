// Seeded physiology shared by the vendor history generators: one person, one night per date.
// Vendor formats live in oura-history.ts and whoop-history.ts; generate.ts is the public entry.

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  uniform(min: number, max: number): number;
  int(min: number, max: number): number;
  normal(mean: number, sd: number): number;
  chance(probability: number): boolean;
  uuid(): string;
}

export function createRng(seed: number | string): Rng {
  let state = typeof seed === "number" ? seed >>> 0 : hashString(seed);
  // mulberry32: tiny, fast and good enough for test data; not for anything secret.
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const uniform = (min: number, max: number) => min + (max - min) * next();
  return {
    next,
    uniform,
    int: (min, max) => Math.floor(uniform(min, max + 1)),
    normal: (mean, sd) => mean + sd * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    chance: (probability) => next() < probability,
    uuid: () => {
      const bytes = Array.from({ length: 16 }, () => Math.floor(next() * 256));
      bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
      bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
      const hex = bytes.map((byte) => byte.toString(16).padStart(2, "0")).join("");
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
  };
}

function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}


export interface Person {
  hrvMeanMs: number;
  restingHrMean: number;
  /** Usual bedtime in minutes relative to midnight of the date the night ends (negative = evening before). */
  bedtimeMinutes: number;
  timeInBedMeanS: number;
}

export interface Night {
  /** Local calendar date on which the night ends. */
  date: string;
  hrvMs: number;
  lowestHr: number;
  /** Local wall-clock time expressed as epoch ms, as if the local zone were UTC. */
  bedStartWallMs: number;
  timeInBedS: number;
  efficiencyPct: number;
  latencyS: number;
  deepFraction: number;
  remFraction: number;
  /** A rough night (late, alcohol, illness): lower HRV, higher resting HR, shorter sleep. */
  strained: boolean;
}

export const HOUR_S = 3600;
export const EPOCH_S = 30;

export function createPerson(rng: Rng): Person {
  return {
    hrvMeanMs: rng.uniform(38, 75),
    restingHrMean: rng.uniform(48, 57),
    bedtimeMinutes: rng.uniform(-100, -5),
    timeInBedMeanS: rng.uniform(7.2, 8.4) * HOUR_S,
  };
}

/** Time in bed of a short night: Oura types a period of 15 min to 3 h `sleep`, not `long_sleep`. */
const SHORT_NIGHT_IN_BED_S: [number, number] = [1.6 * HOUR_S, 2.9 * HOUR_S];

export function simulateNights(rng: Rng, person: Person, days: number, endDate: string, shortNightProbability = 0): Night[] {
  const nights: Night[] = [];
  // Day-to-day HRV follows an AR(1) process in log space: nights resemble their neighbours.
  let drift = 0;
  for (let i = days - 1; i >= 0; i--) {
    const date = addDays(endDate, -i);
    const strained = rng.chance(0.07);
    drift = 0.6 * drift + rng.normal(0, 0.09);
    const lnHrv = Math.log(person.hrvMeanMs) + drift - (strained ? 0.28 : 0);
    const lateBy = strained ? 40 : 0;
    nights.push({
      date,
      strained,
      hrvMs: clamp(Math.exp(lnHrv), 31, 89),
      lowestHr: clamp(
        Math.round(person.restingHrMean - 12 * drift + (strained ? rng.uniform(3, 6) : 0) + rng.normal(0, 1.2)),
        45,
        60,
      ),
      bedStartWallMs: Date.parse(`${date}T00:00:00Z`) + (person.bedtimeMinutes + lateBy + rng.normal(0, 25)) * 60_000,
      timeInBedS: roundTo(
        clamp(rng.normal(person.timeInBedMeanS - (strained ? 1800 : 0), 2400), 5.5 * HOUR_S, 10 * HOUR_S),
        EPOCH_S,
      ),
      efficiencyPct: clamp(Math.round(rng.normal(strained ? 82 : 88, 4)), 76, 94),
      latencyS: roundTo(clamp(rng.normal(12, 6), 2, 30) * 60, EPOCH_S),
      deepFraction: clamp(rng.normal(0.18, 0.03), 0.12, 0.25),
      remFraction: clamp(rng.normal(0.22, 0.03), 0.15, 0.28),
    });
    // Drawn only when asked for, so histories without short nights stay what they were for a seed.
    if (shortNightProbability > 0 && rng.chance(shortNightProbability)) shorten(rng, nights.at(-1)!);
  }
  return nights;
}

/** A night cut short (late home, early flight): in bed 1.6–2.9 h from about 3 a.m., HRV down. */
function shorten(rng: Rng, night: Night): void {
  night.timeInBedS = roundTo(rng.uniform(...SHORT_NIGHT_IN_BED_S), EPOCH_S);
  night.bedStartWallMs = Date.parse(`${night.date}T00:00:00Z`) + rng.uniform(2.5, 3.5) * HOUR_S * 1000;
  night.hrvMs = clamp(night.hrvMs * 0.8, 31, 89);
  night.strained = true;
}

export interface StageSplit {
  totalS: number;
  deepS: number;
  lightS: number;
  remS: number;
  awakeS: number;
}

export function splitStages(
  timeInBedS: number,
  efficiencyPct: number,
  deepFraction: number,
  remFraction: number,
): StageSplit {
  const totalS = roundTo((timeInBedS * efficiencyPct) / 100, EPOCH_S);
  const deepS = roundTo(totalS * deepFraction, EPOCH_S);
  const remS = roundTo(totalS * remFraction, EPOCH_S);
  return { totalS, deepS, remS, lightS: totalS - deepS - remS, awakeS: timeInBedS - totalS };
}

export interface HistoryOptions<UserId> {
  vendorUserId: UserId;
  /** Number of nights, the last one ending on `endDate`. */
  days: number;
  /** YYYY-MM-DD, local date of the last night's end. */
  endDate: string;
  seed: number | string;
  /** The wearer's UTC offset, e.g. "+02:00". */
  utcOffset?: string;
  /** Chance of a nap on any day (Oura: a `late_nap` when it starts after 6 pm). */
  napProbability?: number;
  /** Chance that a night is under 3 h (Oura types it `sleep`); 0 unless asked for. */
  shortNightProbability?: number;
  /** WHOOP: chance that a night is recorded as two sleeps of one cycle; 0 unless asked for. */
  splitNightProbability?: number;
}

// Dates, offsets, numbers.

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export function checkedDate(date: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    throw new RangeError(`endDate must be YYYY-MM-DD, got "${date}"`);
  }
  return date;
}

export function checkedDays(days: number): number {
  if (!Number.isInteger(days) || days < 0) throw new RangeError(`days must be a non-negative integer, got ${days}`);
  return days;
}

export function checkedOffset(offset: string): string {
  offsetMinutes(offset);
  return offset;
}

function offsetMinutes(offset: string): number {
  const match = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  if (!match) throw new RangeError(`UTC offset must look like +02:00, got "${offset}"`);
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === "-" ? -minutes : minutes;
}

export function toInstantMs(wallMs: number, offset: string): number {
  return wallMs - offsetMinutes(offset) * 60_000;
}

/** Oura's style: local wall-clock time with its offset, e.g. 2026-03-14T23:12:30.000+02:00. */
export function formatLocal(wallMs: number, offset: string): string {
  return new Date(Math.round(wallMs / 1000) * 1000).toISOString().replace("Z", offset);
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

export function roundTo(value: number, step: number): number {
  return Math.round(value / step) * step;
}

export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

export function mean(values: (number | null)[]): number {
  const present = values.filter((value): value is number => value !== null);
  return present.reduce((sum, value) => sum + value, 0) / Math.max(1, present.length);
}
